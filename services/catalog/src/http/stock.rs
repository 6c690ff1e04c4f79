//! Stock adjustments: `POST /api/v1/brands/{brand}/stock/adjustments`, all or
//! none, announced with `store.inventory.changed` (`flows::adjust_stock`).

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::post,
};
use serde::{Deserialize, Serialize};
use store_events::data::StockLevel;

use super::{AppState, auth::Tenant, brands::parse_brand};
use crate::{db::inventory::Adjustment, error::ApiError, flows};

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
    let items =
        flows::adjust_stock::adjust_stock(&state.catalog, &tenant, &brand, &body.adjustments)
            .await?;
    Ok(Json(Levels { items }))
}
