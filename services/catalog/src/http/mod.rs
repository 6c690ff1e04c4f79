//! The HTTP API: per-tenant admin and search endpoints authenticated with an
//! API key (`Authorization: Bearer <key>`), the operator's `/admin`
//! endpoints, the public product pictures (`/images/…`), and the ops
//! endpoints (`/healthz`, `/readyz`, `/metrics`).

pub mod auth;
pub mod brands;
pub mod images;
pub mod openapi;
pub mod products;
pub mod stock;

use axum::Router;
use secrecy::SecretString;

use crate::flows::Shared;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// Database, bus and limits.
    pub catalog: Shared,
    /// The operator token for `/admin`, when configured.
    pub admin_token: Option<SecretString>,
}

/// Every public API route (the ops routes are merged in by the caller).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(brands::router())
        .merge(images::router())
        .merge(products::router())
        .merge(stock::router())
        .route("/openapi.json", openapi::API.serve())
        .with_state(state)
}

/// The operator's routes (`POST /admin/tenants`), on the operator's port.
pub fn operator_router(state: AppState) -> Router {
    store_service::tenants::admin_router().with_state(state)
}
