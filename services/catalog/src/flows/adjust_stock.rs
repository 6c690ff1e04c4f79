//! Adjusting stock over HTTP: each adjustment sets a variant's stock or
//! moves it by a delta, all or none (`db::inventory::adjust`), announced
//! with `store.inventory.changed`.

use store_events::{
    BrandId, EventContext, TenantId,
    data::{StockChangeReason, StockLevel},
};

use super::{Catalog, announce_stock};
use crate::{
    db::{
        self,
        inventory::{AdjustError, Adjustment},
    },
    error::ApiError,
};

/// Applies `adjustments` to `tenant`'s `brand`; returns the new levels.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn adjust_stock(
    catalog: &Catalog,
    tenant: &TenantId,
    brand: &BrandId,
    adjustments: &[Adjustment],
) -> Result<Vec<StockLevel>, ApiError> {
    for a in adjustments {
        if a.delta.is_some() == a.set.is_some() {
            return Err(ApiError::BadRequest(format!(
                "adjustment of {:?} needs exactly one of delta and set",
                a.sku
            )));
        }
    }
    let levels = db::inventory::adjust(&catalog.pool, tenant, brand, adjustments)
        .await
        .map_err(|e| match e {
            AdjustError::UnknownSku(_) => ApiError::NotFound("variant"),
            AdjustError::Negative(_) => ApiError::BadRequest(e.to_string()),
            AdjustError::Db(e) => e.into(),
        })?;
    let context = EventContext::new(tenant.clone()).with_brand(brand.clone());
    announce_stock(
        &catalog.bus,
        &context,
        StockChangeReason::Adjusted,
        None,
        levels.clone(),
    )
    .await;
    Ok(levels)
}
