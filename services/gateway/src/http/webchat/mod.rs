//! The web chat channel over HTTP, as `docs/WEBCHAT.md` specifies it:
//! the page and widget ([`page`]), the brands and sessions ([`sessions`]),
//! shopper messages ([`messages`]) and the live transcript ([`events`]),
//! all under `/chat/{tenant}`. A tenant without a `webchat` section answers
//! 404 everywhere; the JSON endpoints answer CORS requests from the tenant's
//! allowed origins ([`cors`]). Errors are the house's `{"code", "detail"}`.

mod cors;
mod events;
mod messages;
mod page;
mod sessions;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderMap, header::AUTHORIZATION},
    middleware,
    routing::{get, post},
};
use uuid::Uuid;

use crate::{
    db::{self, webchat::Session},
    domain::{
        tenants::{Tenant, Webchat},
        webchat::token_matches,
    },
    error::{ApiError, GatewayError, db_unavailable},
    state::AppState,
};

/// Largest body of a web chat request: room for 4096 characters even when
/// every one is JSON-escaped as a surrogate pair.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The web chat routes.
pub fn router(state: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/chat/{tenant}/brands", get(sessions::brands))
        .route("/chat/{tenant}/sessions", post(sessions::create))
        .route(
            "/chat/{tenant}/sessions/{session}",
            get(sessions::transcript),
        )
        .route(
            "/chat/{tenant}/sessions/{session}/messages",
            post(messages::post),
        )
        .route(
            "/chat/{tenant}/sessions/{session}/events",
            get(events::stream),
        )
        .layer(middleware::from_fn_with_state(state, cors::cors));
    Router::new()
        .route("/chat/{tenant}", get(page::page))
        .route("/chat/{tenant}/widget.js", get(page::widget))
        .route("/chat/{tenant}/chat.js", get(page::script))
        .route("/chat/{tenant}/chat.css", get(page::style))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// The tenant and its web chat, or 404.
fn chat_tenant<'s>(
    state: &'s AppState,
    tenant: &str,
) -> Result<(&'s Tenant, &'s Webchat), ApiError> {
    state
        .tenants
        .get(tenant)
        .and_then(|t| t.webchat.as_ref().map(|w| (t, w)))
        .ok_or(ApiError::NotFound("web chat"))
}

fn no_session() -> ApiError {
    ApiError::NotFound("session")
}

/// The bearer token of `Authorization`, else `?token=`.
fn presented_token<'r>(headers: &'r HeaderMap, query: Option<&'r str>) -> Option<&'r str> {
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    header.or(query).filter(|t| !t.is_empty())
}

/// The session `session` of `tenant` if the request carries its token:
/// 404 for an unknown or expired session or one of another tenant, 401 for
/// a missing or wrong token.
async fn authorize(
    state: &AppState,
    tenant: &Tenant,
    session: &str,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<Session, ApiError> {
    let id = Uuid::parse_str(session).map_err(|_| no_session())?;
    let session = db::webchat::find_session(&state.pool, id)
        .await
        .map_err(db_unavailable)?
        .filter(|s| s.tenant == tenant.id.as_str())
        // An expired session is gone, even before the sweep deletes it.
        .filter(|s| !state.webchat.expired(s.last_active_at))
        .ok_or_else(no_session)?;
    let token = presented_token(headers, query_token).ok_or(GatewayError::Unauthorized(
        "missing session token (send it as Authorization: Bearer <token>)",
    ))?;
    if !token_matches(token, &session.token_sha256) {
        return Err(GatewayError::Unauthorized("invalid session token").into());
    }
    Ok(session)
}
