//! The HTTP API: the channels' webhooks and the web chat (the skeleton adds
//! the ops endpoints `/healthz`, `/readyz`, `/metrics`).

pub mod openapi;
pub mod telegram;
pub mod webchat;
pub mod whatsapp;

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE},
    middleware,
};

use crate::{
    error::{ApiError, GatewayError},
    state::AppState,
};

/// The gateway's own routes.
pub fn router(state: AppState) -> Router {
    let limit = state.max_body_bytes;
    Router::new()
        .merge(whatsapp::router())
        .merge(telegram::router())
        .route("/openapi.json", openapi::API.serve())
        .layer(DefaultBodyLimit::max(limit))
        // After the webhooks' limit, so the web chat keeps its own.
        .merge(webchat::router(state.clone()))
        .with_state(state)
        .layer(middleware::from_fn(crate::error::log_refusals))
}

/// The body of a webhook, or why it cannot be read.
pub(crate) fn body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            GatewayError::TooLarge(limit).into()
        } else {
            GatewayError::Malformed(rejection.body_text()).into()
        }
    })
}

/// Refuses bodies whose content type is not JSON.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if json {
        Ok(())
    } else {
        Err(GatewayError::UnsupportedMediaType.into())
    }
}
