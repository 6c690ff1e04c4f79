//! Payment webhooks: `POST /webhooks/payments/{provider}`. Stripe's are
//! verified with the `Stripe-Signature` scheme before anything is read; a
//! completed Checkout Session marks its order paid (once: a repeated
//! notice changes nothing).

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::HeaderMap,
    routing::post,
};
use serde::Deserialize;
use serde_json::{Value, json};
use store_events::TenantId;

use super::AppState;
use crate::{
    db::orders::OrderKey,
    domain::lifecycle::Command,
    error::{ApiError, Refusal},
    lifecycle::{ApplyError, apply},
    payments::stripe::verify_signature,
};

/// `/webhooks/payments/{provider}`.
pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/payments/{provider}", post(payment_webhook))
}

#[derive(Deserialize)]
struct StripeEvent {
    #[serde(rename = "type")]
    ty: String,
    data: StripeData,
}

#[derive(Deserialize)]
struct StripeData {
    object: StripeSession,
}

#[derive(Deserialize)]
struct StripeSession {
    id: String,
    #[serde(default)]
    client_reference_id: Option<String>,
    #[serde(default)]
    payment_status: Option<String>,
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, String>,
}

async fn payment_webhook(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
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
    let event: StripeEvent = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("not a Stripe event: {e}")))?;
    let session = event.data.object;
    let paid = matches!(
        event.ty.as_str(),
        "checkout.session.completed" | "checkout.session.async_payment_succeeded"
    ) && session.payment_status.as_deref() == Some("paid");
    if !paid {
        return Ok(Json(json!({"received": true, "ignored": event.ty})));
    }
    let (Some(reference), Some(tenant)) = (
        session.client_reference_id,
        session
            .metadata
            .get("tenant")
            .and_then(|t| TenantId::parse(t).ok()),
    ) else {
        return Err(ApiError::BadRequest(
            "the session names no order (client_reference_id, metadata.tenant)".to_owned(),
        ));
    };
    let key = OrderKey::Request(reference);
    match apply(
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
            json!({"received": true, "order_number": order.order_number, "status": order.status, "session": session.id}),
        )),
        // Acknowledged so Stripe stops retrying; an operator looks at the log.
        Err(ApplyError::NotFound) => {
            tracing::warn!(session = session.id, "paid session of an unknown order");
            Ok(Json(json!({"received": true, "ignored": "unknown order"})))
        }
        Err(ApplyError::Transition(error)) => {
            tracing::warn!(%error, session = session.id, "payment for an order that cannot be paid");
            Ok(Json(
                json!({"received": true, "ignored": error.to_string()}),
            ))
        }
        Err(ApplyError::Internal(error)) => Err(ApiError::Internal(error)),
    }
}
