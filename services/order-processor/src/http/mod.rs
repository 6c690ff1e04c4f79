//! The HTTP API: a tenant's orders (authenticated with the tenant's API key,
//! `Authorization: Bearer <key>`), the operator's `/admin` endpoints, and
//! the ops endpoints (`/healthz`, `/readyz`, `/metrics`).

pub mod auth;
pub mod openapi;
pub mod orders;
pub mod webhooks;

use axum::Router;
use secrecy::SecretString;

use crate::flows::Shared;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// Database, bus and settings.
    pub orders: Shared,
    /// The operator token for `/admin`, when configured.
    pub admin_token: Option<SecretString>,
}

/// Every public API route (the ops routes are merged in by the caller).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(orders::router())
        .merge(webhooks::router())
        .route("/openapi.json", openapi::API.serve())
        .with_state(state)
}

/// The operator's routes (`POST /admin/tenants`), on the operator's port.
pub fn operator_router(state: AppState) -> Router {
    store_service::tenants::admin_router().with_state(state)
}
