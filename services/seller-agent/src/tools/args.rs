//! Tool arguments: the Rust types whose JSON Schemas the model sees.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Name of the catalog search tool.
pub const SEARCH_PRODUCTS: &str = "search_products";
/// Name of the product lookup tool.
pub const GET_PRODUCT: &str = "get_product";
/// Name of the recommendation tool.
pub const RECOMMEND_PRODUCTS: &str = "recommend_products";
/// Name of the order tool.
pub const CREATE_ORDER: &str = "create_order";
/// Name of the order history tool.
pub const GET_CUSTOMER_ORDERS: &str = "get_customer_orders";
/// Name of the cancellation tool.
pub const CANCEL_ORDER: &str = "cancel_order";
/// Name of the handoff tool.
pub const ESCALATE_TO_HUMAN: &str = "escalate_to_human";

/// Search the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchProducts {
    /// What the shopper is looking for, in their words.
    pub query: String,
    /// Highest price, in the shop's currency (major units, e.g. 49.90).
    #[serde(default)]
    pub max_price: Option<f64>,
    /// Lowest price, in the shop's currency (major units).
    #[serde(default)]
    pub min_price: Option<f64>,
    /// Only products that are in stock.
    #[serde(default)]
    pub in_stock_only: Option<bool>,
    /// How many results (1–10).
    #[serde(default)]
    #[schemars(range(min = 1, max = 10))]
    pub limit: Option<u32>,
    /// Results to skip, for the next page of the same search.
    #[serde(default)]
    pub offset: Option<u32>,
    /// Attributes that must match exactly, e.g. `{"size": "42"}` or
    /// `{"colour": "black"}` (as the catalog's results write them).
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, String>>,
}

/// Look up one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetProduct {
    /// The product id from a search result.
    pub product_id: String,
}

/// How recommendations relate to the given products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Alternatives to them.
    Similar,
    /// Things that go with them.
    Complement,
}

/// Recommend products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendProducts {
    /// Product ids from earlier results.
    #[schemars(length(min = 1))]
    pub product_ids: Vec<String>,
    /// Similar items or complements (default: complement).
    #[serde(default)]
    pub relation: Option<Relation>,
    /// How many (1–10).
    #[serde(default)]
    #[schemars(range(min = 1, max = 10))]
    pub limit: Option<u32>,
}

/// One line of an order: what and how many, never a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderItemArg {
    /// Product id from a tool result.
    pub product_id: String,
    /// Variant id (size, colour…) from a tool result, when the product has variants.
    #[serde(default)]
    pub variant_id: Option<String>,
    /// How many.
    #[schemars(range(min = 1))]
    pub quantity: u32,
}

/// Place an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// The items the shopper confirmed.
    #[schemars(length(min = 1))]
    pub items: Vec<OrderItemArg>,
    /// Delivery address as the shopper gave it, if any.
    #[serde(default)]
    pub delivery_address: Option<String>,
    /// Payment method the shopper chose, if any.
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Anything else for the shop.
    #[serde(default)]
    pub note: Option<String>,
}

/// The shopper's orders (no arguments).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCustomerOrders {}

/// Cancel an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    /// The order number the shopper was given.
    pub order_number: String,
    /// Why, in the shopper's words.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Hand over to a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateToHuman {
    /// Why a human is needed.
    pub reason: String,
    /// What the human needs to know about the conversation so far.
    pub summary: String,
}
