//! What a human seller does in a hand-off: reply to the shopper
//! (`store.chat.response`, 202) and resolve it (`store.sales.resolved`,
//! 200). Each locks the hand-off, records its change, publishes the event
//! with a publisher confirm and only then commits: when the broker does
//! not take the event the answer is 503 and nothing is recorded.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::post,
};
use chrono::Utc;
use serde::Deserialize;
use store_events::{AttributesReader as _, data::Resolution};

use super::{
    AppState,
    auth::Tenant,
    extract::JsonBody,
    handoffs::{HandoffDetail, detail, handoff_id},
};
use crate::{
    db::{
        self,
        transcript::{Message, NewMessage},
    },
    domain::{
        handoff::{check_reply, check_resolve},
        input::{Agent, InvalidInput, ReplyText, parse_note},
        transcript::Author,
    },
    error::{ApiError, bus_unavailable},
    events,
};

/// `POST /api/v1/handoffs/{id}/reply` and `…/resolve`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/handoffs/{id}/reply", post(reply))
        .route("/api/v1/handoffs/{id}/resolve", post(resolve))
}

fn invalid(error: InvalidInput) -> ApiError {
    ApiError::BadRequest(error.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    text: String,
    agent: String,
}

async fn reply(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReplyBody>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let id = handoff_id(&id)?;
    let text = ReplyText::parse(&body.text).map_err(invalid)?;
    let agent = Agent::parse(&body.agent).map_err(invalid)?;

    let mut tx = state.inbox.pool.begin().await?;
    let handoff = db::handoffs::lock(&mut tx, &tenant, id)
        .await?
        .ok_or(ApiError::NotFound("handoff"))?;
    check_reply(handoff.status()).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let event = events::reply(&handoff, text.as_str())?;
    // Recorded under the event's id, so its delivery to our own reply
    // consumer adds nothing.
    let message = db::transcript::append(
        &mut tx,
        id,
        &NewMessage {
            from: Author::Human,
            text: text.as_str(),
            at: event.time().copied().unwrap_or_else(Utc::now),
            agent: Some(agent.as_str()),
            source_id: Some(event.id()),
        },
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("a fresh reply event was already recorded"))?;
    state.bus.publish(event).await.map_err(bus_unavailable)?;
    tx.commit().await?;
    tracing::info!(handoff = %id, "human reply sent");
    Ok((StatusCode::ACCEPTED, Json(message)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    agent: String,
    resolution: Resolution,
    #[serde(default)]
    note: Option<String>,
}

fn resolution_name(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::HandedBack => "handed_back",
        Resolution::Closed => "closed",
    }
}

async fn resolve(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ResolveBody>,
) -> Result<Json<HandoffDetail>, ApiError> {
    let id = handoff_id(&id)?;
    let agent = Agent::parse(&body.agent).map_err(invalid)?;
    let note = parse_note(body.note.as_deref()).map_err(invalid)?;

    let mut tx = state.inbox.pool.begin().await?;
    let handoff = db::handoffs::lock(&mut tx, &tenant, id)
        .await?
        .ok_or(ApiError::NotFound("handoff"))?;
    check_resolve(handoff.status()).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let event = events::resolved(&handoff, agent.as_str(), body.resolution, note.as_deref())?;
    let resolved = db::handoffs::resolve(
        &mut tx,
        id,
        &db::handoffs::Resolution {
            by: agent.as_str(),
            resolution: resolution_name(body.resolution),
            note: note.as_deref(),
        },
    )
    .await?;
    state.bus.publish(event).await.map_err(bus_unavailable)?;
    tx.commit().await?;
    state
        .inbox
        .metrics
        .resolved(tenant.as_str(), resolution_name(body.resolution));
    tracing::info!(handoff = %id, resolution = resolution_name(body.resolution), "hand-off resolved");
    Ok(Json(detail(&state, resolved).await?))
}
