//! Recommending products: `store.product.recommend` from a seller
//! (products that go with the ones named, `domain::search::Recommend`)
//! answered with `store.product.recommend.result`, from `db::search`.
//! Like a query, a request that cannot be answered gets a result with an
//! `error` rather than no reply.

use cloudevents::Event;
use store_events::{
    data::{ErrorDetail, ProductRecommend, ProductRecommendResult, ProductSummary},
    decode,
};

use super::{
    Catalog,
    answer_product_query::{error, scope},
};
use crate::{db, domain::search::Recommend};

/// The answer to a `store.product.recommend` event.
#[tracing::instrument(skip_all)]
pub async fn recommend_products(catalog: &Catalog, event: &Event) -> ProductRecommendResult {
    match recommend(catalog, event).await {
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
    }
}

async fn recommend(catalog: &Catalog, event: &Event) -> Result<Vec<ProductSummary>, ErrorDetail> {
    let (tenant, brand) = scope(event)?;
    let request: ProductRecommend =
        decode(event).map_err(|e| error("bad_request", e.to_string()))?;
    let request = Recommend::parse(request).map_err(|e| error("bad_request", e.to_string()))?;
    db::search::recommend(&catalog.pool, &tenant, &brand, &request)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "recommendation failed");
            error("unavailable", "the catalog cannot recommend right now")
        })?
        .ok_or_else(|| error("unknown_product", "none of the products is in the catalog"))
        .map(|mut products| {
            catalog.public_url.resolve(&mut products);
            products
        })
}
