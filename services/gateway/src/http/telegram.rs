//! `POST /webhooks/telegram/{tenant}`: Bot API updates. The bot is the one of
//! the tenant's bots whose secret token the `X-Telegram-Bot-Api-Secret-Token`
//! header carries (each bot is registered with `setWebhook` and its own
//! `secret_token`).
//!
//! A tap on an inline button is answered in the webhook response itself
//! (`{"method": "answerCallbackQuery", …}`, which the Bot API executes), so
//! the shopper's button stops spinning without an extra call.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State, rejection::BytesRejection},
    http::HeaderMap,
    routing::post,
};

use serde_json::{Value, json};

use crate::{
    domain::{signature::telegram_secret_valid, telegram::parse_update},
    error::{ApiError, GatewayError},
    flows::ingest_webhook::{Report, ingest_webhook},
    state::AppState,
};

/// Header carrying the bot's secret token.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The Telegram webhook route.
pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/telegram/{tenant}", post(receive))
}

#[tracing::instrument(skip_all, fields(tenant = %tenant))]
async fn receive(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let tenant = state
        .tenants
        .get(&tenant)
        .ok_or(GatewayError::UnknownTenant(tenant))?;
    let secret = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok());
    let bot = tenant
        .telegram
        .iter()
        .find(|bot| telegram_secret_valid(secret, &bot.secret_token))
        .ok_or(GatewayError::Unauthorized(
            "missing or invalid X-Telegram-Bot-Api-Secret-Token",
        ))?;
    super::require_json(&headers)?;
    let body = super::body(body, state.max_body_bytes)?;
    let message = parse_update(&bot.bot_id, &body).map_err(|e| GatewayError::Malformed(e.0))?;
    let Some(message) = message else {
        tracing::info!("update is not a shopper message; acknowledged without an event");
        return Ok(Json(report_json(&Report::default())));
    };
    let callback_query_id = message
        .raw
        .get("callback_query")
        .map(|_| message.channel_message_id.clone());
    let report = ingest_webhook(&state, tenant, vec![message], Vec::new()).await?;
    Ok(Json(match callback_query_id {
        Some(id) => {
            tracing::info!(?report, "callback query handled");
            json!({ "method": "answerCallbackQuery", "callback_query_id": id })
        }
        None => report_json(&report),
    }))
}

fn report_json(report: &Report) -> Value {
    serde_json::to_value(report).unwrap_or_default()
}
