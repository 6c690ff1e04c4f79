//! `GET /webhooks/whatsapp/{tenant}`: Meta's verification handshake.
//! `POST /webhooks/whatsapp/{tenant}`: signed webhook deliveries.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State, rejection::BytesRejection},
    http::HeaderMap,
    routing::get,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::{
    db,
    domain::{signature::whatsapp_signature_valid, whatsapp::parse_webhook},
    error::{ApiError, GatewayError},
    flows::ingest_webhook::{Report, ingest_webhook},
    state::AppState,
};

/// Header carrying Meta's HMAC-SHA256 signature of the body.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The WhatsApp webhook routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/whatsapp/{tenant}", get(verify).post(receive))
}

#[derive(Debug, Deserialize)]
struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

#[tracing::instrument(skip_all, fields(tenant = %tenant))]
async fn verify(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(handshake): Query<Handshake>,
) -> Result<String, ApiError> {
    let tenant = state
        .tenants
        .get(&tenant)
        .ok_or(GatewayError::UnknownTenant(tenant))?;
    if handshake.mode.as_deref() != Some("subscribe") {
        return Err(GatewayError::VerificationFailed("hub.mode is not subscribe").into());
    }
    let token = handshake.verify_token.unwrap_or_default();
    let known = tenant.whatsapp.iter().any(|c| {
        bool::from(
            token
                .as_bytes()
                .ct_eq(c.verify_token.expose_secret().as_bytes()),
        )
    });
    if !known {
        return Err(GatewayError::VerificationFailed("hub.verify_token does not match").into());
    }
    handshake
        .challenge
        .ok_or_else(|| GatewayError::VerificationFailed("hub.challenge is missing").into())
}

#[tracing::instrument(skip_all, fields(tenant = %tenant))]
async fn receive(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Report>, ApiError> {
    let tenant = state
        .tenants
        .get(&tenant)
        .ok_or(GatewayError::UnknownTenant(tenant))?;
    super::require_json(&headers)?;
    let body = super::body(body, state.max_body_bytes)?;
    // Authenticity first: nothing of an unsigned body is parsed.
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !whatsapp_signature_valid(
        signature,
        &body,
        tenant.whatsapp.iter().map(|c| &c.app_secret),
    ) {
        return Err(GatewayError::Unauthorized("missing or invalid X-Hub-Signature-256").into());
    }
    let delivery = parse_webhook(&body).map_err(|e| GatewayError::Malformed(e.0))?;
    let count = delivery.messages.len() + delivery.statuses.len();
    if count > state.max_messages_per_delivery {
        return Err(GatewayError::TooManyMessages {
            count,
            max: state.max_messages_per_delivery,
        }
        .into());
    }
    if !delivery.taken.is_empty() {
        // Before the 200: a status that settles a message of a redelivered
        // reply must not be lost (WhatsApp delivers it again on a 503).
        db::outbound::record_taken(&state.pool, &delivery.taken)
            .await
            .map_err(crate::error::db_unavailable)?;
    }
    let report = ingest_webhook(&state, tenant, delivery.messages, delivery.statuses).await?;
    Ok(Json(report))
}
