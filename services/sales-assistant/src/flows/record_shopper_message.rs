//! Recording a shopper's message (`store.chat.message.new`) in an open
//! hand-off: one in a conversation with an open hand-off goes into its
//! transcript, once; any other is not ours to keep. It runs in the
//! transaction that records the message in the conversation
//! ([`super::record_conversation::record_shopper_words`]), after the
//! conversation's row is written (every flow locks the conversation before
//! its hand-off): one transaction per message, where it was two.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use store_bus::HandlerError;
use store_events::{AttributesReader as _, Event, EventData as _, TenantId, data::ChatMessageNew};

use super::retry;
use crate::{
    db::{self, transcript::NewMessage},
    domain::transcript::Author,
};

/// Name of this flow in the idempotency ledger (see
/// `open_handoff::LEDGER_NAME`).
pub const LEDGER_NAME: &str = "sales-assistant.shopper-messages";

/// The shopper's message `event` (`text`, written at `sent_at`) in
/// `conversation`: added to its open hand-off's transcript, in `tx`'s
/// transaction, unless it has none or has it already.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn add_to_open_handoff(
    tx: &mut PgConnection,
    tenant: &TenantId,
    conversation: &str,
    text: &str,
    sent_at: DateTime<Utc>,
    event: &Event,
) -> Result<(), HandlerError> {
    // Most messages belong to conversations the AI has: nothing to do,
    // and nothing to remember in the ledger either.
    let Some(handoff) = db::handoffs::lock_open(&mut *tx, tenant, conversation)
        .await
        .map_err(retry)?
    else {
        return Ok(());
    };
    if store_idempotency::claim(&mut *tx, LEDGER_NAME, event.id(), ChatMessageNew::TYPE)
        .await
        .map_err(retry)?
        .is_duplicate()
    {
        return Ok(());
    }
    db::transcript::append(
        &mut *tx,
        handoff.id,
        &NewMessage {
            from: Author::Shopper,
            text,
            at: sent_at,
            agent: None,
            source_id: Some(event.id()),
        },
    )
    .await
    .map_err(retry)?;
    tracing::debug!(handoff = %handoff.id, "shopper message added to the hand-off");
    Ok(())
}
