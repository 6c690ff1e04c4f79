//! The HTTP API for human sellers: a tenant's hand-offs (authenticated with
//! the tenant's API key, `Authorization: Bearer <key>`), the operator's
//! `/admin/tenants`, and the ops endpoints (merged in by `store-service`);
//! the inbox's web pages under `/inbox` ([`pages`]), behind a signed-in
//! seller's session and the CSRF guard ([`pages::session`]).

pub mod actions;
pub mod auth;
pub mod extract;
pub mod handoffs;
pub mod openapi;
pub mod operator;
pub mod pages;

use axum::{Router, middleware};
use secrecy::SecretString;

use crate::{accounts::session_store::PgSessionStore, flows::Shared};

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// Database, bus and metrics.
    pub inbox: Shared,
    /// The operator token for `/admin`, when configured.
    pub admin_token: Option<SecretString>,
    /// Sessions and sign-in (`INBOX_SESSION_IDLE_MINUTES`,
    /// `INBOX_COOKIE_SECURE`, `INBOX_TRUSTED_PROXY`).
    pub session: pages::session::SessionSettings,
    /// The inbox's address as people reach it, for absolute links
    /// (`INBOX_PUBLIC_URL`, no trailing slash).
    pub public_url: String,
    /// The inbox's live changes (`GET /inbox/events`).
    pub live: crate::live::Live,
    /// The time zone of the reports' days (`REPORT_TIME_ZONE`).
    pub report_time_zone: String,
    /// The tenants' Telegram bots (whether a tenant has one, for the
    /// notification settings page).
    pub telegram_bots: crate::notify::bots::TelegramBots,
}

/// Every API route and page (the ops routes are merged in by the caller).
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(handoffs::router())
        .merge(actions::router())
        .merge(pages::actions::router())
        .merge(pages::events::router())
        .merge(pages::router())
        .route("/openapi.json", openapi::API.serve());
    // Every route merged above is behind these: the session, the CSRF
    // guard of unsafe `/inbox` requests (inside the session layer, which
    // it reads) and the security headers of `/inbox` responses.
    let store = PgSessionStore::new(state.inbox.pool.clone());
    routes
        .layer(middleware::from_fn(pages::session::csrf_guard))
        .layer(pages::session::layer(store, &state.session))
        .layer(middleware::from_fn(pages::security_headers))
        .with_state(state)
}
