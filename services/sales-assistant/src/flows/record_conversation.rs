//! Recording every conversation (not only those handed to a human): each
//! `store.chat.message.new` (the shopper's words, media, places and taps
//! described as text) and each `store.chat.response` (the AI's, a human's
//! or the platform's, with its parts as sent) brings the conversation up
//! to date and adds one message to its transcript, once per event (the
//! message's `source_id` is the event's id, and the event is claimed in
//! the idempotency ledger in the same transaction). A reply is recorded
//! with delivery `pending` until the channel reports. Every message is
//! announced to the open inbox pages (`live`). A shopper's message goes
//! into the conversation's open hand-off in the same transaction
//! ([`super::record_shopper_message`]).

use chrono::Utc;
use sqlx::PgConnection;
use store_bus::HandlerError;
use store_events::{
    AttributesReader as _, Event, EventData as _, EventMeta,
    data::{Channel, ChatMessageNew, ChatResponse, Customer, Sender},
    decode,
};

use super::{Handoffs, record_shopper_message::add_to_open_handoff, retry};
use crate::{
    db::{
        self,
        conversations::{Activity, Claim},
        messages::{Announce, NewMessage},
    },
    domain::{
        handoff::fallback_conversation,
        transcript::{content_text, parts_text},
    },
    live,
};

/// Name of this flow in the idempotency ledger.
pub const LEDGER_NAME: &str = "sales-assistant.conversations";

/// The stored name of a channel.
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp => "whatsapp",
        Channel::Telegram => "telegram",
        Channel::Webchat => "webchat",
    }
}

/// The stored name of a reply's sender.
pub fn sender_name(sender: Sender) -> &'static str {
    match sender {
        Sender::Ai => "ai",
        Sender::Human => "human",
        Sender::System => "system",
    }
}

/// One message to record.
struct Said<'a> {
    conversation: String,
    brand: String,
    channel: &'static str,
    customer: Customer,
    customer_known: bool,
    sender: &'static str,
    text: String,
    parts: Option<serde_json::Value>,
    at: chrono::DateTime<Utc>,
    delivery: Option<&'static str>,
    event: &'a Event,
}

/// Handles one `store.chat.message.new`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn record_shopper_words(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let message: ChatMessageNew = decode(event)?;
    let channel = channel_name(message.channel);
    let conversation = meta.conversation.as_ref().map_or_else(
        || fallback_conversation(channel, &message.customer.id),
        |c| c.as_str().to_owned(),
    );
    let mut text = content_text(&message.content);
    if message.edited {
        text = format!("(edited) {text}");
    }
    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    match &meta.brand {
        Some(brand) => {
            let said = Said {
                conversation: conversation.clone(),
                brand: brand.to_string(),
                channel,
                customer: message.customer,
                customer_known: true,
                sender: "shopper",
                text: text.clone(),
                parts: None,
                at: message.sent_at,
                delivery: None,
                event,
            };
            record(&mut tx, meta.tenant.as_str(), ChatMessageNew::TYPE, &said).await?;
        }
        None => tracing::warn!("a shopper's message without a brand is not recorded"),
    }
    add_to_open_handoff(
        &mut tx,
        &meta.tenant,
        &conversation,
        &text,
        message.sent_at,
        event,
    )
    .await?;
    tx.commit().await.map_err(retry)?;
    Ok(())
}

/// Handles one `store.chat.response`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn record_reply(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let reply: ChatResponse = decode(event)?;
    let Some(brand) = meta.brand else {
        tracing::warn!("a reply without a brand is not recorded");
        return Ok(());
    };
    let channel = channel_name(reply.channel);
    let said = Said {
        conversation: meta.conversation.map_or_else(
            || fallback_conversation(channel, &reply.recipient),
            |c| c.as_str().to_owned(),
        ),
        brand: brand.to_string(),
        channel,
        customer: Customer::new(reply.recipient.clone()),
        customer_known: false,
        sender: sender_name(reply.sender),
        text: parts_text(&reply.parts),
        parts: Some(serde_json::to_value(&reply.parts).map_err(HandlerError::reject)?),
        at: event.time().copied().unwrap_or_else(Utc::now),
        delivery: Some("pending"),
        event,
    };
    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    record(&mut tx, meta.tenant.as_str(), ChatResponse::TYPE, &said).await?;
    tx.commit().await.map_err(retry)?;
    Ok(())
}

/// Records `said` in its conversation in `tx`'s transaction (the caller
/// commits), unless its event was recorded before.
async fn record(
    tx: &mut PgConnection,
    tenant: &str,
    ty: &str,
    said: &Said<'_>,
) -> Result<(), HandlerError> {
    let activity = Activity {
        tenant,
        conversation: &said.conversation,
        brand: &said.brand,
        channel: said.channel,
        customer: &said.customer,
        customer_known: said.customer_known,
        sender: said.sender,
        text: &said.text,
        at: said.at,
    };
    // The claim and the conversation in one statement, the message and its
    // announcement in another: the message's `seq` is read after the
    // conversation's row is locked.
    let claim = Claim {
        ledger: LEDGER_NAME,
        event_id: said.event.id(),
        event_type: ty,
    };
    if !db::conversations::record(&mut *tx, &activity, Some(claim))
        .await
        .map_err(retry)?
    {
        return Ok(());
    }
    // `message` from the shopper (what the pages count as unread), `reply`
    // from the AI, a person or the store. A reply the inbox sent is recorded
    // already (under this event's id): it is not announced again.
    let kind = if said.sender == "shopper" {
        "message"
    } else {
        "reply"
    };
    db::messages::append(
        &mut *tx,
        &NewMessage {
            tenant,
            conversation: &said.conversation,
            sender: said.sender,
            text: &said.text,
            parts: said.parts.clone(),
            at: said.at,
            agent: None,
            source_id: said.event.id(),
            delivery: said.delivery,
        },
        Some(Announce {
            channel: live::CHANNEL,
            brand: &said.brand,
            kind,
        }),
    )
    .await
    .map_err(retry)?;
    Ok(())
}
