//! The events a channel message becomes at the edge, with ids derived from
//! the channel's message id instead of random ones.
//!
//! Every event published for a channel message has an id that is a UUIDv5 of
//! the event type, the tenant, the channel and the deduplication key (the
//! `wamid`, Telegram's `bot:update_id`). Publishing a message twice (a
//! webhook retried after a failure, two copies delivered at once) publishes
//! the same events under the same ids, so every consumer's idempotency
//! ledger (`store_idempotency`, keyed by event id) and the reply consumer's
//! `outbound_message` (also keyed by event id) drop the copies. The
//! ingestion flow's correctness rests on this (see
//! `flows::ingest_webhook`).

use chrono::Utc;
use cloudevents::AttributesWriter as _;
use store_events::{
    BrandId, ConversationId, Event, EventContext, EventData, EventError,
    data::{
        channel::{TelegramMessageReceived, WhatsAppMessageReceived, WhatsAppMessageStatus},
        common::Channel,
    },
    new_event,
};

use super::{InboundMessage, tenants::Tenant};

/// The ids of the events published for one channel message.
pub struct EventIds {
    name: String,
}

impl EventIds {
    /// The ids for message `dedup_key` of `channel` received for `tenant`.
    pub fn new(tenant: &str, channel: &str, dedup_key: &str) -> Self {
        // Tenant ids and channel names hold no '/'; the key is last and may
        // hold anything.
        Self {
            name: format!("{tenant}/{channel}/{dedup_key}"),
        }
    }

    /// The id of what `what` names (an event type, or `message` for the
    /// `message_id` of the `store.chat.message.new`).
    pub fn of(&self, what: &str) -> uuid::Uuid {
        uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            format!("{what}/{}", self.name).as_bytes(),
        )
    }
}

/// The raw `store.<channel>.message.received` of `message`: the first event
/// of the exchange, so its correlation id is its own id.
pub fn raw_event(
    source: &str,
    tenant: &Tenant,
    conversation: &ConversationId,
    brand: Option<&BrandId>,
    message: &InboundMessage,
    ids: &EventIds,
) -> Result<Event, EventError> {
    let mut context = EventContext::new(tenant.id.clone()).with_conversation(conversation.clone());
    context.brand = brand.cloned();
    let received_at = Utc::now();
    let ty = match message.channel {
        Channel::Telegram => TelegramMessageReceived::TYPE,
        _ => WhatsAppMessageReceived::TYPE,
    };
    let id = ids.of(ty).to_string();
    context.correlation_id = Some(id.clone());
    let mut event = match message.channel {
        Channel::Telegram => {
            let update_id = message
                .raw
                .get("update_id")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or_default();
            new_event(
                source,
                &context,
                &TelegramMessageReceived {
                    bot_id: message.account.clone(),
                    update_id: update_id.to_string(),
                    received_at,
                    payload: message.raw.clone(),
                },
            )
        }
        _ => new_event(
            source,
            &context,
            &WhatsAppMessageReceived {
                phone_number_id: message.account.clone(),
                message_id: message.channel_message_id.clone(),
                received_at,
                payload: message.raw.clone(),
            },
        ),
    }?;
    event.set_id(id);
    Ok(event)
}

/// An event carrying `data`, caused by `cause` (same tenant, brand,
/// conversation and correlation), with its id of `ids`.
pub fn caused_by<D: EventData>(
    source: &str,
    cause: &Event,
    data: &D,
    ids: &EventIds,
) -> anyhow::Result<Event> {
    let context = EventContext::caused_by(cause)?;
    let mut event = new_event(source, &context, data)?;
    event.set_id(ids.of(D::TYPE).to_string());
    Ok(event)
}

/// The `store.whatsapp.message.status` of `status` in `context`, its id of
/// the status's deduplication key.
pub fn status_event(
    source: &str,
    tenant: &Tenant,
    context: &EventContext,
    status: &WhatsAppMessageStatus,
    key: &str,
) -> Result<Event, EventError> {
    let mut event = new_event(source, context, status)?;
    event.set_id(
        EventIds::new(tenant.id.as_str(), "whatsapp-status", key).of(WhatsAppMessageStatus::TYPE),
    );
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_depend_on_what_and_on_the_message_only() {
        let a = EventIds::new("demo", "whatsapp", "wamid.1");
        let again = EventIds::new("demo", "whatsapp", "wamid.1");
        let other = EventIds::new("demo", "whatsapp", "wamid.2");
        let elsewhere = EventIds::new("other", "whatsapp", "wamid.1");

        assert_eq!(a.of("message"), again.of("message"));
        assert_ne!(a.of("message"), a.of("store.chat.message.new"));
        assert_ne!(a.of("message"), other.of("message"));
        assert_ne!(a.of("message"), elsewhere.of("message"));
    }
}
