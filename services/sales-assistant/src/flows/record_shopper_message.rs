//! Recording a shopper's message (`store.chat.message.new`): one in a
//! conversation with an open hand-off goes into its transcript, once; any
//! other is not ours to keep.

use store_bus::HandlerError;
use store_events::{
    AttributesReader as _, Event, EventData as _, EventMeta,
    data::{Channel, ChatMessageNew},
    decode,
};

use super::{Handoffs, retry};
use crate::{
    db::{self, transcript::NewMessage},
    domain::{
        handoff::fallback_conversation,
        transcript::{Author, content_text},
    },
};

/// Name of this flow in the idempotency ledger (see
/// `open_handoff::LEDGER_NAME`).
pub const LEDGER_NAME: &str = "sales-assistant.shopper-messages";

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp => "whatsapp",
        Channel::Telegram => "telegram",
        Channel::Webchat => "webchat",
    }
}

/// Handles one `store.chat.message.new`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn record_shopper_message(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let message: ChatMessageNew = decode(event)?;
    let conversation = meta.conversation.map_or_else(
        || fallback_conversation(channel_name(message.channel), &message.customer.id),
        |c| c.as_str().to_owned(),
    );

    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    // Most messages belong to conversations the AI has: nothing to do,
    // and nothing to remember in the ledger either.
    let Some(handoff) = db::handoffs::lock_open(&mut tx, &meta.tenant, &conversation)
        .await
        .map_err(retry)?
    else {
        return Ok(());
    };
    if store_idempotency::claim(&mut tx, LEDGER_NAME, event.id(), ChatMessageNew::TYPE)
        .await
        .map_err(retry)?
        .is_duplicate()
    {
        return Ok(());
    }
    let mut text = content_text(&message.content);
    if message.edited {
        text = format!("(edited) {text}");
    }
    db::transcript::append(
        &mut tx,
        handoff.id,
        &NewMessage {
            from: Author::Shopper,
            text: &text,
            at: message.sent_at,
            agent: None,
            source_id: Some(event.id()),
        },
    )
    .await
    .map_err(retry)?;
    tx.commit().await.map_err(retry)?;
    tracing::debug!(handoff = %handoff.id, "shopper message added to the hand-off");
    Ok(())
}
