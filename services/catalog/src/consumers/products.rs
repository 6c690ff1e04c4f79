//! `store.product.query` → `store.product.query.result` and
//! `store.product.recommend` → `store.product.recommend.result`.
//!
//! A request that cannot be answered gets a reply with an `error` (bad
//! request, unknown brand, database down) rather than no reply, so the
//! seller can tell the shopper at once instead of waiting for a timeout.

use cloudevents::{AttributesReader, Event};
use store_bus::{HandlerError, Incoming, RequestHandler};
use store_events::{
    BrandId, EventContext, EventData as _, EventMeta, TenantId,
    data::{
        ErrorDetail, ProductQuery, ProductQueryResult, ProductRecommend, ProductRecommendResult,
        ProductSummary,
    },
    decode, new_event,
};

use super::Shared;
use crate::{
    db,
    domain::search::{Recommend, Search},
};

/// Answers both product requests of one queue.
pub struct ProductResponder(pub Shared);

fn error(code: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Tenant and brand of a request, or the error to answer with.
fn scope(event: &Event) -> Result<(TenantId, BrandId), ErrorDetail> {
    let meta = EventMeta::from_event(event).map_err(|e| error("bad_request", e.to_string()))?;
    let brand = meta
        .brand
        .ok_or_else(|| error("bad_request", "the request names no brand"))?;
    Ok((meta.tenant, brand))
}

impl ProductResponder {
    async fn query(&self, event: &Event) -> Result<(Vec<ProductSummary>, u64), ErrorDetail> {
        let (tenant, brand) = scope(event)?;
        let query: ProductQuery = decode(event).map_err(|e| error("bad_request", e.to_string()))?;
        let search = Search::parse(query).map_err(|e| error("bad_request", e.to_string()))?;
        let pool = &self.0.pool;
        let unavailable = |e: sqlx::Error| {
            tracing::warn!(error = %e, "product query failed");
            error("unavailable", "the catalog cannot search right now")
        };
        let brand_row = db::tenants::get_brand(pool, &tenant, &brand)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| error("unknown_brand", format!("no brand {brand}")))?;
        db::search::search(pool, &tenant, &brand, &search, &brand_row.language)
            .await
            .map_err(unavailable)
    }

    async fn recommend(&self, event: &Event) -> Result<Vec<ProductSummary>, ErrorDetail> {
        let (tenant, brand) = scope(event)?;
        let request: ProductRecommend =
            decode(event).map_err(|e| error("bad_request", e.to_string()))?;
        let request = Recommend::parse(request).map_err(|e| error("bad_request", e.to_string()))?;
        db::search::recommend(&self.0.pool, &tenant, &brand, &request)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "recommendation failed");
                error("unavailable", "the catalog cannot recommend right now")
            })?
            .ok_or_else(|| error("unknown_product", "none of the products is in the catalog"))
    }
}

#[async_trait::async_trait]
impl RequestHandler for ProductResponder {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let event = &request.event;
        let context = EventContext::caused_by(event)?;
        let built = match event.ty() {
            ty if ty == ProductQuery::TYPE => {
                let data = match self.query(event).await {
                    Ok((products, total)) => ProductQueryResult {
                        products,
                        total,
                        error: None,
                    },
                    Err(e) => ProductQueryResult {
                        products: vec![],
                        total: 0,
                        error: Some(e),
                    },
                };
                new_event(crate::SOURCE, &context, &data)
            }
            ty if ty == ProductRecommend::TYPE => {
                let data = match self.recommend(event).await {
                    Ok(products) => ProductRecommendResult {
                        total: products.len() as u64,
                        products,
                        error: None,
                    },
                    Err(e) => ProductRecommendResult {
                        products: vec![],
                        total: 0,
                        error: Some(e),
                    },
                };
                new_event(crate::SOURCE, &context, &data)
            }
            other => {
                return Err(HandlerError::reject(format!(
                    "the catalog does not answer {other}"
                )));
            }
        };
        built.map_err(HandlerError::reject)
    }
}
