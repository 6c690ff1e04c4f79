//! Stock adjustments: `POST /api/v1/brands/{brand}/stock/adjustments`, all or
//! none, announced with `store.inventory.changed`.

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::post,
};
use serde::{Deserialize, Serialize};
use store_events::{
    EventContext,
    data::{StockChangeReason, StockLevel},
};

use super::{AppState, auth::Tenant, brands::parse_brand};
use crate::{
    consumers::announce_stock,
    db::{
        self,
        inventory::{AdjustError, Adjustment},
    },
    error::ApiError,
};

/// `/api/v1/brands/{brand}/stock/adjustments`.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/brands/{brand}/stock/adjustments",
        post(adjust_stock),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Adjustments {
    adjustments: Vec<Adjustment>,
}

#[derive(Serialize)]
struct Levels {
    items: Vec<StockLevel>,
}

async fn adjust_stock(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(brand): Path<String>,
    Json(body): Json<Adjustments>,
) -> Result<Json<Levels>, ApiError> {
    let brand = parse_brand(&brand)?;
    for a in &body.adjustments {
        if a.delta.is_some() == a.set.is_some() {
            return Err(ApiError::BadRequest(format!(
                "adjustment of {:?} needs exactly one of delta and set",
                a.sku
            )));
        }
    }
    let levels = db::inventory::adjust(&state.catalog.pool, &tenant, &brand, &body.adjustments)
        .await
        .map_err(|e| match e {
            AdjustError::UnknownSku(_) => ApiError::NotFound("variant"),
            AdjustError::Negative(_) => ApiError::BadRequest(e.to_string()),
            AdjustError::Db(e) => e.into(),
        })?;
    let context = EventContext::new(tenant).with_brand(brand);
    announce_stock(
        &state.catalog.bus,
        &context,
        StockChangeReason::Adjusted,
        None,
        levels.clone(),
    )
    .await;
    Ok(Json(Levels { items: levels }))
}
