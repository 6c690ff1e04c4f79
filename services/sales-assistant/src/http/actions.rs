//! What a human seller does in a hand-off over HTTP: reply to the shopper
//! (`flows::reply_as_human`, 202) and resolve it
//! (`flows::resolve_handoff`, 200). When the broker does not take the event
//! the answer is 503 and nothing is recorded.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::post,
};
use serde::Deserialize;
use store_events::data::Resolution;

use super::{
    AppState,
    auth::Tenant,
    extract::JsonBody,
    handoffs::{HandoffDetail, detail, handoff_id},
};
use crate::{
    db::transcript::Message,
    domain::input::{Agent, InvalidInput, ReplyText, parse_note},
    error::ApiError,
    flows::{reply_as_human::reply_as_human, resolve_handoff::resolve_handoff},
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
    let message = reply_as_human(&state.inbox, &tenant, id, &text, &agent).await?;
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

async fn resolve(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ResolveBody>,
) -> Result<Json<HandoffDetail>, ApiError> {
    let id = handoff_id(&id)?;
    let agent = Agent::parse(&body.agent).map_err(invalid)?;
    let note = parse_note(body.note.as_deref()).map_err(invalid)?;
    let resolved = resolve_handoff(
        &state.inbox,
        &tenant,
        id,
        &agent,
        body.resolution,
        note.as_deref(),
    )
    .await?;
    Ok(Json(detail(&state, resolved).await?))
}
