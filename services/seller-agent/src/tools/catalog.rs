//! Catalog tools: search, lookup and recommendations, by request/reply to
//! the catalog service.

use serde_json::{Value, json};
use store_bus::RpcError;
use store_events::{
    EventContext, EventData,
    data::{
        ProductFilters, ProductQuery, ProductQueryResult, ProductRecommend, ProductRecommendResult,
        ProductSummary, RecommendMode,
    },
    decode, new_event,
};

use super::{
    GetProduct, RecommendProducts, Relation, Resend, SearchProducts, ToolContext, ToolOutcome,
};
use crate::domain::money;

/// A product as the model sees it: ids to order with, the real price (with a
/// display form to quote verbatim) and stock.
pub(crate) fn product_json(p: &ProductSummary) -> Value {
    let mut description = p.description.clone().unwrap_or_default();
    if description.chars().count() > 240 {
        description = description.chars().take(240).collect::<String>() + "…";
    }
    json!({
        "product_id": p.product_id,
        "variant_id": p.variant_id,
        "sku": p.sku,
        "name": p.name,
        "description": description,
        "price": {
            "amount_minor": p.price.amount_minor,
            "currency": p.price.currency.as_str(),
            "display": money::format(&p.price),
        },
        "stock": p.stock,
        "in_stock": p.in_stock,
        "image_url": p.image_url,
        "attributes": p.attributes,
    })
}

fn to_minor(major: f64, currency: &str) -> i64 {
    let scale = 10f64.powi(i32::try_from(money::exponent(currency)).unwrap_or(2));
    (major * scale).round() as i64
}

/// Sends a catalog request and decodes the reply. A request the broker
/// could not take is sent again until the tool's timeout
/// ([`super::request`]): the catalog's requests only read, and a shopper is
/// better served by an answer a few seconds late than by "the catalog is
/// not reachable".
#[tracing::instrument(skip_all, fields(ty = Q::TYPE, conversation = %ctx.conversation))]
async fn ask<Q: EventData, R: EventData>(ctx: &ToolContext, request: &Q) -> Result<R, ToolOutcome> {
    let context = EventContext::caused_by(&ctx.cause)
        .map_err(|e| ToolOutcome::Error(format!("internal error: {e}")))?;
    let event = new_event(&ctx.bus.config().source, &context, request)
        .map_err(|e| ToolOutcome::Error(format!("internal error: {e}")))?;
    let reply = super::request(ctx, event, Resend::AsNew)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, ty = Q::TYPE, "catalog request failed");
            ToolOutcome::Error(match e {
                RpcError::Timeout(_) => "the catalog did not answer in time; try again".to_owned(),
                _ => "the catalog is not reachable right now".to_owned(),
            })
        })?;
    decode::<R>(&reply)
        .map_err(|e| ToolOutcome::Error(format!("the catalog sent a malformed answer: {e}")))
}

fn products_outcome(
    products: &[ProductSummary],
    total: u64,
    error: Option<&store_events::data::ErrorDetail>,
) -> ToolOutcome {
    if let Some(error) = error {
        return ToolOutcome::Error(format!("catalog error {}: {}", error.code, error.message));
    }
    ToolOutcome::Ok(json!({
        "total": total,
        "products": products.iter().map(product_json).collect::<Vec<_>>(),
    }))
}

pub(crate) async fn search(ctx: &ToolContext, args: SearchProducts) -> ToolOutcome {
    if args.query.trim().is_empty() {
        return ToolOutcome::Error("query must not be empty".to_owned());
    }
    let query = ProductQuery {
        text: Some(args.query),
        filters: ProductFilters {
            price_min: args.min_price.map(|p| to_minor(p, &ctx.currency)),
            price_max: args.max_price.map(|p| to_minor(p, &ctx.currency)),
            in_stock: args.in_stock_only,
            attributes: args.attributes.unwrap_or_default(),
            ..ProductFilters::default()
        },
        limit: args.limit.unwrap_or(5).clamp(1, 10),
        offset: args.offset,
        language: ctx.customer.language.clone(),
    };
    match ask::<_, ProductQueryResult>(ctx, &query).await {
        Ok(result) => products_outcome(&result.products, result.total, result.error.as_ref()),
        Err(outcome) => outcome,
    }
}

pub(crate) async fn get(ctx: &ToolContext, args: GetProduct) -> ToolOutcome {
    let query = ProductQuery {
        filters: ProductFilters {
            ids: Some(vec![args.product_id.clone()]),
            ..ProductFilters::default()
        },
        ..ProductQuery::text(args.product_id.clone())
    };
    match ask::<_, ProductQueryResult>(ctx, &query).await {
        Ok(result) if result.error.is_none() => {
            let matching: Vec<_> = result
                .products
                .iter()
                .filter(|p| p.product_id == args.product_id)
                .cloned()
                .collect();
            if matching.is_empty() {
                ToolOutcome::Error(format!("no product with id {}", args.product_id))
            } else {
                products_outcome(&matching, matching.len() as u64, None)
            }
        }
        Ok(result) => products_outcome(&[], 0, result.error.as_ref()),
        Err(outcome) => outcome,
    }
}

pub(crate) async fn recommend(ctx: &ToolContext, args: RecommendProducts) -> ToolOutcome {
    if args.product_ids.is_empty() {
        return ToolOutcome::Error("product_ids must name at least one product".to_owned());
    }
    let request = ProductRecommend {
        product_ids: args.product_ids,
        mode: match args.relation.unwrap_or(Relation::Complement) {
            Relation::Similar => RecommendMode::Similar,
            Relation::Complement => RecommendMode::Complement,
        },
        limit: args.limit.unwrap_or(5).clamp(1, 10),
    };
    match ask::<_, ProductRecommendResult>(ctx, &request).await {
        Ok(result) => products_outcome(&result.products, result.total, result.error.as_ref()),
        Err(outcome) => outcome,
    }
}
