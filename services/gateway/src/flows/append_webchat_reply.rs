//! Appending a reply to a web chat: a `store.chat.response` for
//! `webchat:<brand>:<session_id>` is appended to the session's transcript,
//! one entry per part, in one transaction; the `NOTIFY` of each append wakes
//! the live streams of every replica. Idempotent by event id: a redelivered
//! reply finds its entries and appends nothing. Either way the reply is
//! `sent`; one for a session that does not exist (expired, or another
//! tenant's or brand's) is reported `failed` and dead-lettered.

use chrono::Utc;
use store_bus::HandlerError;
use store_events::{AttributesReader as _, Event, data::response::ChatResponse};
use uuid::Uuid;

use super::report_delivery::Settled;
use crate::{
    db::{self, webchat::NewEntry},
    domain::{
        conversation::ConversationRef,
        delivery::{Delivery, Failure},
        tenants::Tenant,
        webchat::Author,
    },
    state::AppState,
};

/// Reported when a reply's session does not exist.
const NO_SESSION: &str =
    "the shopper's web chat session no longer exists (it expired or was closed)";

fn appended() -> Settled {
    Settled::acked(Delivery::Sent {
        channel_message_id: None,
    })
}

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
) -> Result<Settled, HandlerError> {
    let no_session = |why: String| {
        Settled::dead_lettered(
            Delivery::Failed(Failure::new(NO_SESSION, None)),
            reject(why),
        )
    };
    let Ok(session_id) = Uuid::parse_str(&conversation.chat) else {
        return Ok(no_session(format!(
            "{} is not a web chat session id",
            conversation.chat
        )));
    };
    let mut tx = state.pool.begin().await.map_err(HandlerError::retry)?;
    let session = db::webchat::lock_session(&mut tx, session_id)
        .await
        .map_err(HandlerError::retry)?
        .filter(|s| s.tenant == tenant.id.as_str() && s.brand == conversation.account);
    let Some(session) = session else {
        return Ok(no_session(
            "no web chat session of this tenant and brand".to_owned(),
        ));
    };
    if db::webchat::reply_recorded(&mut tx, session.id, event.id())
        .await
        .map_err(HandlerError::retry)?
    {
        tracing::info!(session = %session.id, "reply already in the transcript");
        state.metrics.outbound("webchat", "duplicate");
        return Ok(appended());
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
    Ok(appended())
}
