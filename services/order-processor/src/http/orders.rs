//! A tenant's orders: list and filter, detail (by id or number), status
//! changes (pay, fulfil, ship with a tracking number, deliver, cancel), a
//! shopper's cancellation and order history. Another tenant's order is
//! simply not found.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};

use super::{AppState, auth::Tenant};
use crate::{
    db::{
        self,
        orders::{Filter, OrderKey, OrderView},
    },
    domain::lifecycle::{Command, parse_status},
    error::ApiError,
    flows::change_status::{ApplyError, change_status},
};

/// Most orders per page.
const MAX_PAGE: i64 = 100;

/// `/api/v1/orders…` and `/api/v1/customers/{id}/orders`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders", get(list_orders))
        .route("/api/v1/orders/{id}", get(get_order))
        .route("/api/v1/orders/{id}/status", post(set_status))
        .route(
            "/api/v1/orders/by-number/{number}",
            get(get_order_by_number),
        )
        .route(
            "/api/v1/orders/by-number/{number}/cancel",
            post(cancel_by_number),
        )
        .route(
            "/api/v1/customers/{customer_id}/orders",
            get(customer_orders),
        )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    customer_id: Option<String>,
    status: Option<String>,
    brand: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize)]
struct OrderList {
    orders: Vec<OrderView>,
    total: i64,
}

async fn list(
    state: &AppState,
    tenant: &Tenant,
    params: ListParams,
) -> Result<Json<OrderList>, ApiError> {
    if let Some(status) = &params.status
        && parse_status(status).is_none()
    {
        return Err(ApiError::BadRequest(format!("unknown status {status:?}")));
    }
    let filter = Filter {
        customer_id: params.customer_id,
        status: params.status,
        brand: params.brand,
        limit: params.limit.unwrap_or(20).clamp(1, MAX_PAGE),
        offset: params.offset.unwrap_or(0).max(0),
    };
    let (orders, total) = db::orders::list(&state.orders.pool, &tenant.0, &filter).await?;
    Ok(Json(OrderList { orders, total }))
}

async fn list_orders(
    tenant: Tenant,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<OrderList>, ApiError> {
    list(&state, &tenant, params).await
}

async fn customer_orders(
    tenant: Tenant,
    State(state): State<AppState>,
    Path(customer_id): Path<String>,
) -> Result<Json<OrderList>, ApiError> {
    let params = ListParams {
        customer_id: Some(customer_id),
        status: None,
        brand: None,
        limit: Some(MAX_PAGE),
        offset: None,
    };
    list(&state, &tenant, params).await
}

fn order_key(id: &str) -> Result<OrderKey, ApiError> {
    uuid::Uuid::parse_str(id)
        .map(OrderKey::Id)
        .map_err(|_| ApiError::NotFound("order"))
}

async fn get_order(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    db::orders::get(&state.orders.pool, &tenant, &order_key(&id)?)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("order"))
}

async fn get_order_by_number(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    db::orders::get(&state.orders.pool, &tenant, &OrderKey::Number(number))
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("order"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    /// `paid`, `fulfilled`, `shipped`, `delivered` or `cancelled`.
    status: String,
    #[serde(default)]
    tracking_number: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl From<ApplyError> for ApiError {
    fn from(error: ApplyError) -> Self {
        match error {
            ApplyError::NotFound => Self::NotFound("order"),
            ApplyError::Transition(e) => Self::Conflict(e.to_string()),
            ApplyError::Internal(e) => Self::Internal(e),
        }
    }
}

async fn set_status(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<StatusChange>,
) -> Result<Json<OrderView>, ApiError> {
    let command = match body.status.as_str() {
        "paid" => Command::Pay,
        "fulfilled" => Command::Fulfil,
        "shipped" => Command::Ship {
            tracking_number: body.tracking_number.filter(|t| !t.trim().is_empty()),
        },
        "delivered" => Command::Deliver,
        "cancelled" => Command::Cancel,
        other => {
            return Err(ApiError::BadRequest(format!(
                "status {other:?} cannot be set; use paid, fulfilled, shipped, delivered or cancelled"
            )));
        }
    };
    let view = change_status(
        &state.orders,
        &tenant,
        &order_key(&id)?,
        command,
        body.reason.as_deref().or(Some("changed by the shop")),
        None,
    )
    .await?;
    Ok(Json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cancellation {
    #[serde(default)]
    reason: Option<String>,
    /// When given, the order must be this shopper's.
    #[serde(default)]
    customer_id: Option<String>,
}

async fn cancel_by_number(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Json(body): Json<Cancellation>,
) -> Result<Json<OrderView>, ApiError> {
    let view = change_status(
        &state.orders,
        &tenant,
        &OrderKey::Number(number),
        Command::Cancel,
        body.reason.as_deref().or(Some("cancelled by the shopper")),
        body.customer_id.as_deref(),
    )
    .await?;
    Ok(Json(view))
}
