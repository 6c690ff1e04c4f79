//! Recording a human's reply (`store.chat.response` written by a human,
//! from any replica, or any tool speaking for a human seller): appended to
//! the conversation's open hand-off, once. The routing key cannot tell the sender, so the AI's replies
//! are bound here too and skipped.
//!
//! A reply sent through this service's API is recorded by the request
//! itself under the event's id; its delivery here then adds nothing.

use chrono::Utc;
use store_bus::HandlerError;
use store_events::{
    AttributesReader as _, Event, EventData as _, EventMeta,
    data::{ChatResponse, Sender},
    decode,
};

use super::{Handoffs, retry};
use crate::{
    db::{self, transcript::NewMessage},
    domain::transcript::{Author, parts_text},
};

/// Name of this flow in the idempotency ledger (see
/// `open_handoff::LEDGER_NAME`).
pub const LEDGER_NAME: &str = "sales-assistant.replies";

/// Handles one `store.chat.response`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn record_human_reply(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let reply: ChatResponse = decode(event)?;
    if reply.sender != Sender::Human {
        return Ok(());
    }
    let meta = EventMeta::from_event(event)?;
    let Some(conversation) = meta.conversation else {
        return Ok(());
    };

    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    let Some(handoff) = db::handoffs::lock_open(&mut tx, &meta.tenant, conversation.as_str())
        .await
        .map_err(retry)?
    else {
        return Ok(());
    };
    if store_idempotency::claim(&mut tx, LEDGER_NAME, event.id(), ChatResponse::TYPE)
        .await
        .map_err(retry)?
        .is_duplicate()
    {
        return Ok(());
    }
    let at = event.time().copied().unwrap_or_else(Utc::now);
    db::transcript::append(
        &mut tx,
        handoff.id,
        &NewMessage {
            from: Author::of_sender(reply.sender),
            text: &parts_text(&reply.parts),
            at,
            agent: None,
            source_id: Some(event.id()),
        },
    )
    .await
    .map_err(retry)?;
    db::handoffs::replied(&mut tx, handoff.id, at)
        .await
        .map_err(retry)?;
    tx.commit().await.map_err(retry)?;
    Ok(())
}
