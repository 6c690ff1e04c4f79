//! The catalog as the owner of a conversation searches it: a
//! `store.product.query` request to the catalog over the bus (routed by
//! the conversation's tenant and brand; the reply comes back on this
//! replica's reply queue), its products with the catalog's own prices.
//! Also finds one product by id, for sending its card.

use serde::Serialize;
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{ProductFilters, ProductQuery, ProductQueryResult, ProductSummary},
    decode,
};

use super::{Actor, Handoffs, build_event, unanswered};
use crate::{
    db::{self, conversations::ConversationSummary},
    error::{ApiError, Refusal},
};

/// Most products a search shows.
pub const SEARCH_LIMIT: u32 = 10;

/// A product as the inbox shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProductView {
    /// Catalog id (what an order names).
    pub id: String,
    /// Name.
    pub name: String,
    /// The price as people read it (`12.50 EUR`).
    pub price: String,
    /// The price in minor units.
    pub price_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// Units in stock.
    pub stock: u32,
    /// A picture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Its one variant's id, when the catalog has exactly one (what an
    /// order names besides the product).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Its variants, when the catalog lists more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantView>,
}

/// A variant of a [`ProductView`].
#[derive(Debug, Clone, Serialize)]
pub struct VariantView {
    /// Variant id.
    pub id: Option<String>,
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// The price as people read it.
    pub price: String,
    /// The price in minor units.
    pub price_minor: i64,
    /// Units in stock.
    pub stock: u32,
    /// Size, colour…
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// The conversation `actor` may work, or 404.
pub async fn visible_conversation(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<ConversationSummary, ApiError> {
    db::conversations::find(&inbox.pool, actor.tenant, conversation)
        .await?
        .filter(|c| actor.may_work(&c.brand))
        .ok_or(ApiError::NotFound("conversation"))
}

/// The context of a request about `conversation`.
pub fn request_context(conv: &ConversationSummary, tenant: &str) -> anyhow::Result<EventContext> {
    Ok(EventContext::new(TenantId::parse(tenant)?)
        .with_brand(BrandId::parse(&conv.brand)?)
        .with_conversation(ConversationId::parse(&conv.conversation)?))
}

/// Products of the conversation's brand matching `text` (every product
/// when blank).
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn find_products(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
    text: &str,
) -> Result<Vec<ProductView>, ApiError> {
    let conv = visible_conversation(inbox, actor, conversation).await?;
    let text = text.trim();
    let query = ProductQuery {
        text: (!text.is_empty()).then(|| text.to_owned()),
        filters: ProductFilters::default(),
        limit: SEARCH_LIMIT,
        offset: None,
        language: conv.language.clone(),
    };
    let products = ask_catalog(inbox, actor, &conv, &query).await?;
    Ok(views(&products))
}

/// The product `id` of the conversation's brand, if the catalog has it.
pub async fn product_by_id(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conv: &ConversationSummary,
    id: &str,
) -> Result<Option<ProductView>, ApiError> {
    // A lookup by id: no search text (the catalog would also match the
    // text, and an id is no product's words).
    let query = ProductQuery {
        text: None,
        filters: ProductFilters {
            ids: Some(vec![id.to_owned()]),
            ..ProductFilters::default()
        },
        // Every variant of it.
        limit: 20,
        offset: None,
        language: None,
    };
    let products = ask_catalog(inbox, actor, conv, &query).await?;
    let matching: Vec<ProductSummary> = products
        .into_iter()
        .filter(|p| p.product_id == id)
        .collect();
    Ok(views(&matching).into_iter().next())
}

/// The products `ids` of the conversation's brand that the catalog has,
/// by id: what the product cards of a transcript show (at most 50 ids).
pub async fn products_by_ids(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conv: &ConversationSummary,
    mut ids: Vec<String>,
) -> Result<std::collections::BTreeMap<String, ProductView>, ApiError> {
    ids.truncate(50);
    let query = ProductQuery {
        text: None,
        // Room for their variants.
        limit: 50,
        filters: ProductFilters {
            ids: Some(ids),
            ..ProductFilters::default()
        },
        offset: None,
        language: None,
    };
    let products = ask_catalog(inbox, actor, conv, &query).await?;
    Ok(views(&products)
        .into_iter()
        .map(|view| (view.id.clone(), view))
        .collect())
}

async fn ask_catalog(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conv: &ConversationSummary,
    query: &ProductQuery,
) -> Result<Vec<ProductSummary>, ApiError> {
    let event = build_event(&request_context(conv, actor.tenant)?, query)?;
    let reply = inbox
        .bus
        .request(event, inbox.request_timeout)
        .await
        .map_err(|e| {
            unanswered(
                e,
                "The catalog did not answer; try again in a moment".to_owned(),
            )
        })?;
    let result: ProductQueryResult = decode(&reply).map_err(anyhow::Error::new)?;
    if let Some(error) = result.error {
        return Err(ApiError::Domain(Refusal::Rejected(format!(
            "The catalog refused the search: {}",
            error.message
        ))));
    }
    Ok(result.products)
}

/// Catalog rows grouped by product, in the catalog's order.
fn views(products: &[ProductSummary]) -> Vec<ProductView> {
    let mut views: Vec<ProductView> = Vec::new();
    for p in products {
        let variant = VariantView {
            id: p.variant_id.clone(),
            sku: p.sku.clone(),
            name: p.name.clone(),
            price: p.price.to_string(),
            price_minor: p.price.amount_minor,
            stock: p.stock,
            attributes: p.attributes.clone(),
        };
        match views.iter_mut().find(|v| v.id == p.product_id) {
            Some(view) => {
                view.stock += p.stock;
                view.variants.push(variant);
            }
            None => views.push(ProductView {
                id: p.product_id.clone(),
                name: p.name.clone(),
                price: p.price.to_string(),
                price_minor: p.price.amount_minor,
                currency: p.price.currency.as_str().to_owned(),
                stock: p.stock,
                image_url: p.image_url.clone(),
                variant_id: None,
                variants: vec![variant],
            }),
        }
    }
    // One variant is the product itself: its id is all an order needs.
    for view in &mut views {
        if view.variants.len() == 1 {
            view.variant_id = view.variants.pop().and_then(|v| v.id);
        }
    }
    views
}
