//! `POST /chat/{tenant}/sessions/{session_id}/messages`: a shopper's text or
//! pick, checked and handed to [`post_webchat_message`] (transcript and
//! `store.chat.message.new`, in one transaction); answered 202 with its
//! `seq`, or 429 over the session's limit.
//!
//! Only `application/json` is taken (415 otherwise) and the session token
//! only in the `Authorization` header, never `?token=`: a cross-origin
//! "simple" request (a form or `text/plain` POST, which no CORS preflight
//! guards) cannot carry either, so another site cannot post as a shopper.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse as _, Response},
};

use super::{MAX_BODY_BYTES, authorize, chat_tenant};
use crate::{
    domain::webchat::{PostError, ShopperPost, parse_post},
    error::{ApiError, GatewayError},
    flows::post_webchat_message::{Posted, post_webchat_message},
    http::{body, require_json},
    state::AppState,
};

/// Takes a shopper's message.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub(super) async fn post(
    State(state): State<AppState>,
    Path((tenant, session)): Path<(String, String)>,
    headers: HeaderMap,
    request: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (tenant, _) = chat_tenant(&state, &tenant)?;
    require_json(&headers)?;
    let session = authorize(&state, tenant, &session, &headers, None).await?;
    let request = body(request, MAX_BODY_BYTES)?;
    let ShopperPost {
        input,
        client_message_id: client_id,
    } = parse_post(&request).map_err(|e| match e {
        PostError::Malformed(why) => GatewayError::Malformed(why),
        PostError::Invalid(why) => GatewayError::Invalid(why.0),
    })?;
    let accepted = match post_webchat_message(&state, &session, input, client_id).await? {
        Posted::Accepted(accepted) => accepted,
        Posted::RateLimited(limited) => {
            return Err(GatewayError::RateLimited(limited.retry_after_secs()).into());
        }
    };
    state.metrics.inbound(
        "webchat",
        if accepted.duplicate {
            "duplicate"
        } else {
            "published"
        },
    );
    tracing::info!(
        channel = "webchat",
        message_id = %accepted.message_id,
        seq = accepted.seq,
        duplicate = accepted.duplicate,
        "web chat message accepted"
    );
    Ok((StatusCode::ACCEPTED, Json(accepted)).into_response())
}
