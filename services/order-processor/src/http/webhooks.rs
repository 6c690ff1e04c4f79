//! Payment webhooks: `POST /webhooks/payments/{provider}`. Stripe's are
//! verified with the `Stripe-Signature` scheme before anything is read
//! (`payments::stripe`); a paid Checkout Session marks its order paid
//! (`flows::change_status`, once: a repeated notice changes nothing).
//!
//! Bodies over [`MAX_WEBHOOK_BYTES`] are refused with the house's 413 body
//! (axum's own rejection is plain text).

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use serde_json::{Value, json};

use super::AppState;
use crate::{
    db::orders::OrderKey,
    domain::lifecycle::Command,
    error::{ApiError, Refusal},
    flows::change_status::{ApplyError, change_status},
    payments::stripe::{Notice, read_notice, verify_signature},
};

/// Largest payment webhook body: Stripe's events are a few KiB.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

/// `/webhooks/payments/{provider}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/payments/{provider}", post(payment_webhook))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
}

async fn payment_webhook(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let Some(stripe) = state
        .orders
        .payments
        .stripe
        .as_ref()
        .filter(|_| provider == "stripe")
    else {
        return Err(ApiError::NotFound("payment provider"));
    };
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Domain(Refusal::TooLarge(MAX_WEBHOOK_BYTES))
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    })?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Domain(Refusal::BadSignature))?;
    verify_signature(
        signature,
        &body,
        stripe.webhook_secret(),
        stripe.tolerance(),
        chrono::Utc::now().timestamp(),
    )
    .map_err(|error| {
        tracing::warn!(%error, "stripe webhook refused");
        ApiError::Domain(Refusal::BadSignature)
    })?;
    let notice =
        read_notice(&body).map_err(|e| ApiError::BadRequest(format!("not a Stripe event: {e}")))?;
    let (session, reference, tenant) = match notice {
        Notice::Other(ty) => return Ok(Json(json!({"received": true, "ignored": ty}))),
        Notice::Paid {
            session,
            reference: Some(reference),
            tenant: Some(tenant),
        } => (session, reference, tenant),
        Notice::Paid { .. } => {
            return Err(ApiError::BadRequest(
                "the session names no order (client_reference_id, metadata.tenant)".to_owned(),
            ));
        }
    };
    let key = OrderKey::Request(reference);
    match change_status(
        &state.orders,
        &tenant,
        &key,
        Command::Pay,
        Some("payment confirmed by stripe"),
        None,
    )
    .await
    {
        Ok(order) => Ok(Json(
            json!({"received": true, "order_number": order.order_number, "status": order.status, "session": session}),
        )),
        // Acknowledged so Stripe stops retrying; an operator looks at the log.
        Err(ApplyError::NotFound) => {
            tracing::warn!(session = session, "paid session of an unknown order");
            Ok(Json(json!({"received": true, "ignored": "unknown order"})))
        }
        Err(ApplyError::Transition(error)) => {
            tracing::warn!(%error, session = session, "payment for an order that cannot be paid");
            Ok(Json(
                json!({"received": true, "ignored": error.to_string()}),
            ))
        }
        Err(ApplyError::Internal(error)) => Err(ApiError::Internal(error)),
    }
}
