//! Catalog requests from a seller and the catalog's replies
//! (request/reply over the bus: the reply's `causationid` is the request's
//! id, its `correlationid` the request's correlation id).
//!
//! Prices and stock in a reply are authoritative; the seller quotes them as
//! given and never takes a price from the LLM's text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{ErrorDetail, Money};
use crate::EventData;

/// Number of products a [`ProductQuery`] asks for when it does not say.
pub const DEFAULT_QUERY_LIMIT: u32 = 10;
/// Number of products a [`ProductRecommend`] asks for when it does not say.
pub const DEFAULT_RECOMMEND_LIMIT: u32 = 5;
/// Most products one request may ask for.
pub const MAX_LIMIT: u32 = 50;

fn default_query_limit() -> u32 {
    DEFAULT_QUERY_LIMIT
}

fn default_recommend_limit() -> u32 {
    DEFAULT_RECOMMEND_LIMIT
}

/// `store.product.query`: search the brand's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuery {
    /// Free-text search, in the shopper's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Structured filters.
    #[serde(default)]
    pub filters: ProductFilters,
    /// Most products to return, 1 to [`MAX_LIMIT`]; default
    /// [`DEFAULT_QUERY_LIMIT`].
    #[serde(default = "default_query_limit")]
    pub limit: u32,
    /// Number of matching products to skip (paging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// Language of `text`, a BCP 47 tag, to pick the search dictionary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl ProductQuery {
    /// A free-text query with no filters and the default limit.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            filters: ProductFilters::default(),
            limit: DEFAULT_QUERY_LIMIT,
            offset: None,
            language: None,
        }
    }
}

/// Structured filters of a [`ProductQuery`]; all must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductFilters {
    /// Lowest price, in minor units of the brand's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_min: Option<i64>,
    /// Highest price, in minor units of the brand's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_max: Option<i64>,
    /// Only products with stock (`true`) or without (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_stock: Option<bool>,
    /// Attribute values that must match exactly, e.g. `size` → `M`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Tags of which the product must carry at least one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Only these product ids (a lookup rather than a search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
}

/// How recommendations relate to the given products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendMode {
    /// Alternatives to the products (same category, similar attributes).
    Similar,
    /// Products that go with them (cross-sell).
    Complement,
}

/// `store.product.recommend`: products related to some others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecommend {
    /// Products to start from; at least one.
    pub product_ids: Vec<String>,
    /// Which relation.
    pub mode: RecommendMode,
    /// Most products to return, 1 to [`MAX_LIMIT`]; default
    /// [`DEFAULT_RECOMMEND_LIMIT`].
    #[serde(default = "default_recommend_limit")]
    pub limit: u32,
}

impl EventData for ProductQuery {
    const TYPE: &'static str = "store.product.query";
}

impl EventData for ProductRecommend {
    const TYPE: &'static str = "store.product.recommend";
}

/// A product (or one variant of it) as the catalog reports it, with its
/// authoritative price and stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSummary {
    /// Catalog product id.
    pub product_id: String,
    /// Variant id, when the product has variants and this is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Stock-keeping unit.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Current unit price.
    pub price: Money,
    /// Units available to sell now.
    pub stock: u32,
    /// Whether it can be ordered now (active and `stock` > 0).
    pub in_stock: bool,
    /// Public URL of its main picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Attributes such as `size`, `colour`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// `store.product.query.result`: the catalog's answer to a
/// [`ProductQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQueryResult {
    /// Matching products, in relevance order, at most the query's `limit`.
    pub products: Vec<ProductSummary>,
    /// Number of matching products in all (for paging).
    pub total: u64,
    /// Why the query could not be answered; `products` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

impl EventData for ProductQueryResult {
    const TYPE: &'static str = "store.product.query.result";
}

/// `store.product.recommend.result`: the catalog's answer to a
/// [`ProductRecommend`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecommendResult {
    /// Recommended products, best first, at most the request's `limit`.
    pub products: Vec<ProductSummary>,
    /// Number of products returned.
    pub total: u64,
    /// Why the request could not be answered; `products` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

impl EventData for ProductRecommendResult {
    const TYPE: &'static str = "store.product.recommend.result";
}
