//! Appending a reply to a web chat: a `store.chat.response` for
//! `webchat:<brand>:<session_id>` is appended to the session's transcript,
//! one entry per part, in one transaction; the `NOTIFY` of each append wakes
//! the live streams of every replica. Idempotent by event id: a redelivered
//! reply finds its entries and appends nothing.

use chrono::Utc;
use store_bus::HandlerError;
use store_events::{AttributesReader as _, Event, data::response::ChatResponse};
use uuid::Uuid;

use crate::{
    db::{self, webchat::NewEntry},
    domain::{conversation::ConversationRef, tenants::Tenant, webchat::Author},
    state::AppState,
};

fn reject(message: impl Into<String>) -> HandlerError {
    HandlerError::reject(message.into())
}

/// Appends `response` (the data of `event`) to the transcript of the
/// session `conversation` names.
#[tracing::instrument(skip_all, fields(event_id = event.id(), session = %conversation.chat))]
pub async fn append_webchat_reply(
    state: &AppState,
    event: &Event,
    tenant: &Tenant,
    conversation: &ConversationRef,
    response: &ChatResponse,
) -> Result<(), HandlerError> {
    let session_id = Uuid::parse_str(&conversation.chat).map_err(|_| {
        reject(format!(
            "{} is not a web chat session id",
            conversation.chat
        ))
    })?;
    let mut tx = state.pool.begin().await.map_err(HandlerError::retry)?;
    let session = db::webchat::lock_session(&mut tx, session_id)
        .await
        .map_err(HandlerError::retry)?
        .filter(|s| s.tenant == tenant.id.as_str() && s.brand == conversation.account)
        .ok_or_else(|| reject("no web chat session of this tenant and brand"))?;
    if db::webchat::reply_recorded(&mut tx, session.id, event.id())
        .await
        .map_err(HandlerError::retry)?
    {
        tracing::info!(session = %session.id, "reply already in the transcript");
        state.metrics.outbound("webchat", "duplicate");
        return Ok(());
    }
    let from = Author::of_reply(response.sender);
    let sent_at = Utc::now();
    for (index, part) in response.parts.iter().enumerate() {
        let parts = serde_json::json!([part]);
        let index = i32::try_from(index).map_err(|_| reject("reply too long"))?;
        db::webchat::append(
            &mut tx,
            session.id,
            &NewEntry {
                from,
                parts: &parts,
                sent_at,
                message_id: None,
                client_message_id: None,
                source_event_id: Some(event.id()),
                source_part: Some(index),
            },
        )
        .await
        .map_err(HandlerError::retry)?;
    }
    tx.commit().await.map_err(HandlerError::retry)?;
    for _ in &response.parts {
        state.metrics.outbound("webchat", "sent");
    }
    tracing::info!(session = %session.id, parts = response.parts.len(), "reply appended to the web chat");
    Ok(())
}
