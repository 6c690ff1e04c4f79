//! Answering a product query: `store.product.query` from a seller (answered
//! with `store.product.query.result`) and `GET
//! /api/v1/brands/{brand}/products` over HTTP search the same way: parse
//! the query (`domain::search`), look up the brand's main language, search
//! the brand's products (`db::search`).
//!
//! A query over the bus that cannot be answered gets a result with an
//! `error` (bad request, unknown brand, database down) rather than no
//! reply, so the seller can tell the shopper at once instead of waiting for
//! a timeout.

use cloudevents::Event;
use store_events::{
    BrandId, EventMeta, TenantId,
    data::{ErrorDetail, ProductQuery, ProductQueryResult, ProductSummary},
    decode,
};

use super::Catalog;
use crate::{db, domain::search::Search};

/// Why a query was not answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The query does not parse.
    #[error("{0}")]
    BadRequest(String),
    /// The tenant has no such brand.
    #[error("no brand {0}")]
    UnknownBrand(BrandId),
    /// The database failed.
    #[error(transparent)]
    Unavailable(#[from] sqlx::Error),
}

/// The products of `tenant`'s `brand` that `query` finds, and how many
/// there are in all.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn search_products(
    catalog: &Catalog,
    tenant: &TenantId,
    brand: &BrandId,
    query: ProductQuery,
) -> Result<(Vec<ProductSummary>, u64), QueryError> {
    let search = Search::parse(query).map_err(|e| QueryError::BadRequest(e.to_string()))?;
    let brand_row = db::tenants::get_brand(&catalog.pool, tenant, brand)
        .await?
        .ok_or_else(|| QueryError::UnknownBrand(brand.clone()))?;
    let (mut products, total) =
        db::search::search(&catalog.pool, tenant, brand, &search, &brand_row.language).await?;
    catalog.public_url.resolve(&mut products);
    Ok((products, total))
}

/// The answer to a `store.product.query` event.
pub async fn answer_product_query(catalog: &Catalog, event: &Event) -> ProductQueryResult {
    match query(catalog, event).await {
        Ok((products, total)) => ProductQueryResult {
            products,
            total,
            error: None,
        },
        Err(error) => ProductQueryResult {
            products: vec![],
            total: 0,
            error: Some(error),
        },
    }
}

async fn query(
    catalog: &Catalog,
    event: &Event,
) -> Result<(Vec<ProductSummary>, u64), ErrorDetail> {
    let (tenant, brand) = scope(event)?;
    let query: ProductQuery = decode(event).map_err(|e| error("bad_request", e.to_string()))?;
    search_products(catalog, &tenant, &brand, query)
        .await
        .map_err(|e| match e {
            QueryError::BadRequest(message) => error("bad_request", message),
            QueryError::UnknownBrand(_) => error("unknown_brand", e.to_string()),
            QueryError::Unavailable(e) => {
                tracing::warn!(error = %e, "product query failed");
                error("unavailable", "the catalog cannot search right now")
            }
        })
}

/// An error for a result.
pub fn error(code: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Tenant and brand of a request, or the error to answer with.
pub fn scope(event: &Event) -> Result<(TenantId, BrandId), ErrorDetail> {
    let meta = EventMeta::from_event(event).map_err(|e| error("bad_request", e.to_string()))?;
    let brand = meta
        .brand
        .ok_or_else(|| error("bad_request", "the request names no brand"))?;
    Ok((meta.tenant, brand))
}
