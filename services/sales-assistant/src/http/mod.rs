//! The HTTP API for human sellers: a tenant's hand-offs (authenticated with
//! the tenant's API key, `Authorization: Bearer <key>`), the operator's
//! `/admin/tenants`, and the ops endpoints (merged in by `store-service`).

pub mod actions;
pub mod auth;
pub mod extract;
pub mod handoffs;

use axum::Router;
use secrecy::SecretString;

use crate::flows::Shared;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// Database, bus and metrics.
    pub inbox: Shared,
    /// The operator token for `/admin`, when configured.
    pub admin_token: Option<SecretString>,
}

/// Every API route (the ops routes are merged in by the caller).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(store_service::tenants::admin_router())
        .merge(handoffs::router())
        .merge(actions::router())
        .with_state(state)
}
