//! Reading a tenant's hand-offs: the list (newest first, by status and
//! brand) and one with its transcript. Another tenant's hand-off is simply
//! not found.

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppState, auth::Tenant, extract::QueryParams};
use crate::{
    db::{
        self,
        handoffs::{Filter, Handoff},
        transcript::Message,
    },
    domain::handoff::Status,
    error::ApiError,
};

/// Most hand-offs per page.
const MAX_PAGE: i64 = 100;

/// `GET /api/v1/handoffs` and `GET /api/v1/handoffs/{id}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/handoffs", get(list_handoffs))
        .route("/api/v1/handoffs/{id}", get(get_handoff))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    status: Option<String>,
    brand: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize)]
struct HandoffList {
    handoffs: Vec<Handoff>,
    total: i64,
}

/// A hand-off with its transcript.
#[derive(Serialize)]
pub struct HandoffDetail {
    #[serde(flatten)]
    handoff: Handoff,
    transcript: Vec<Message>,
}

/// The id in a path; one that is not a UUID names no hand-off.
pub fn handoff_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound("handoff"))
}

/// `handoff` with its transcript, read from the database.
pub async fn detail(state: &AppState, handoff: Handoff) -> Result<HandoffDetail, ApiError> {
    let transcript = db::transcript::list(&state.inbox.pool, handoff.id).await?;
    Ok(HandoffDetail {
        handoff,
        transcript,
    })
}

async fn list_handoffs(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Json<HandoffList>, ApiError> {
    let status = match params.status.as_deref() {
        None => None,
        Some(name) => Some(Status::parse(name).ok_or_else(|| {
            ApiError::BadRequest(format!("unknown status {name:?}; use open or resolved"))
        })?),
    };
    let filter = Filter {
        status,
        brand: params.brand,
        limit: params.limit.unwrap_or(20).clamp(1, MAX_PAGE),
        offset: params.offset.unwrap_or(0).max(0),
    };
    let (handoffs, total) = db::handoffs::list(&state.inbox.pool, &tenant, &filter).await?;
    Ok(Json(HandoffList { handoffs, total }))
}

async fn get_handoff(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<HandoffDetail>, ApiError> {
    let handoff = db::handoffs::get(&state.inbox.pool, &tenant, handoff_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound("handoff"))?;
    Ok(Json(detail(&state, handoff).await?))
}
