//! Saving products over HTTP (create, replace, import as JSON or CSV):
//! parse every input against the brand's currency (`domain::product`),
//! report every problem at once, store all or none in one transaction
//! (`db::products::save`), then announce the stock the products brought
//! with `store.inventory.changed`.

use store_events::{
    BrandId, EventContext, TenantId,
    data::{StockChangeReason, StockLevel},
};
use uuid::Uuid;

use super::{Catalog, announce_stock};
use crate::{
    db::{self, products::OnExisting},
    domain::product::ProductInput,
    error::ApiError,
};

/// Saves `inputs` in `tenant`'s `brand`; `on_existing` says what a product
/// whose SKU exists becomes. Returns the products' ids, in input order.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand, products = inputs.len()))]
pub async fn save_products(
    catalog: &Catalog,
    tenant: &TenantId,
    brand: &BrandId,
    inputs: Vec<ProductInput>,
    on_existing: OnExisting,
) -> Result<Vec<Uuid>, ApiError> {
    let pool = &catalog.pool;
    let brand_row = db::tenants::get_brand(pool, tenant, brand)
        .await?
        .ok_or(ApiError::NotFound("brand"))?;
    let mut products = Vec::with_capacity(inputs.len());
    let mut problems = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        match input.parse(&brand_row.currency) {
            Ok(product) => products.push(product),
            Err(found) => {
                problems.extend(found.into_iter().map(|p| format!("product {index}: {p}")))
            }
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::BadRequest(problems.join("; ")));
    }
    let mut tx = pool.begin().await?;
    let mut ids = Vec::with_capacity(products.len());
    let mut levels: Vec<StockLevel> = Vec::new();
    for product in &products {
        let (id, moved) = db::products::save(&mut tx, tenant, brand, product, on_existing).await?;
        ids.push(id);
        levels.extend(moved);
    }
    tx.commit().await?;
    let context = EventContext::new(tenant.clone()).with_brand(brand.clone());
    announce_stock(
        &catalog.bus,
        &context,
        StockChangeReason::Imported,
        None,
        levels,
    )
    .await;
    Ok(ids)
}
