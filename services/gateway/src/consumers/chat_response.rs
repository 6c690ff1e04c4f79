//! The reply consumer: every `store.chat.response` (every tenant, every
//! brand, and the brand menus), decoded, its tenant and conversation found,
//! then sent on WhatsApp or Telegram ([`ReplySender::send_reply`]) or
//! appended to a web chat transcript ([`append_webchat_reply`]), and what
//! became of it reported as `store.chat.delivery` ([`report_delivery`])
//! before the reply is acked.
//!
//! It consumes ordered shard queues by conversation (see `startup`), one
//! delivery at a time per shard, so a conversation's replies go out in the
//! order they were produced. A reply that cannot be delivered for good
//! (unknown tenant, no conversation) goes to the dead-letter queue; so do
//! one the channel refused, one for a channel account the tenant does not
//! have, and one still failing on the bus's last attempt, each reported
//! `failed` first (the gateway gives up on it).

use store_bus::{Handler, HandlerError, Incoming};
use store_events::{EventMeta, data::common::Channel, data::response::ChatResponse, decode};

use crate::{
    domain::{
        conversation::ConversationRef,
        delivery::{CANNOT_SEND_REASON, Delivery, Failure, INTERNAL_REASON, gave_up_reason},
    },
    flows::{
        append_webchat_reply::append_webchat_reply,
        report_delivery::{Settled, report_delivery},
        send_reply::{ChannelGaveUp, ReplySender},
    },
    state::AppState,
};

/// The `store.chat.response` handler.
pub struct ChatResponses {
    state: AppState,
    sender: ReplySender,
    max_attempts: u32,
}

impl ChatResponses {
    /// A handler sending through `sender`; the bus gives up on a reply
    /// after `max_attempts` deliveries (the consumer's
    /// `ConsumerConfig::max_attempts`).
    pub fn new(state: AppState, sender: ReplySender, max_attempts: u32) -> Self {
        Self {
            state,
            sender,
            max_attempts,
        }
    }
}

#[async_trait::async_trait]
impl Handler for ChatResponses {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let event = &incoming.event;
        let response: ChatResponse = decode(event)?;
        let meta = EventMeta::from_event(event)?;
        let conversation = meta.conversation.ok_or_else(|| {
            HandlerError::reject("a chat response without a conversation cannot be delivered")
        })?;
        let conversation =
            ConversationRef::parse(conversation.as_str()).map_err(HandlerError::reject)?;
        let tenant = self
            .state
            .tenants
            .get(meta.tenant.as_str())
            .ok_or_else(|| HandlerError::reject(format!("unknown tenant {}", meta.tenant)))?;
        let channel = conversation.channel;
        let handled = match channel {
            Channel::Webchat => {
                append_webchat_reply(&self.state, event, tenant, &conversation, &response).await
            }
            Channel::Whatsapp | Channel::Telegram => {
                self.sender
                    .send_reply(
                        event,
                        tenant,
                        &conversation,
                        &response,
                        incoming.redelivered,
                    )
                    .await
            }
        };
        let settled = match handled {
            Ok(settled) => settled,
            // The bus's last attempt failed too: it dead-letters the reply,
            // so the gateway gives up on it and says so.
            Err(error @ HandlerError::Retry(_)) if incoming.attempt >= self.max_attempts => {
                let failure = Failure::new(given_up_reason(&error, channel), None);
                Settled::dead_lettered(Delivery::Failed(failure), error)
            }
            // Not sendable at all (the conversation's channel account is
            // not the tenant's): dead-lettered for an operator, said so.
            Err(error @ HandlerError::Reject(_)) => {
                let failure = Failure::new(CANNOT_SEND_REASON, None);
                Settled::dead_lettered(Delivery::Failed(failure), error)
            }
            Err(error) => return Err(error),
        };
        report_delivery(&self.state, event, channel, &settled.delivery).await?;
        settled.then.map_or(Ok(()), Err)
    }
}

/// Why the gateway gave up on a reply after `error` on the last attempt.
fn given_up_reason(error: &HandlerError, channel: Channel) -> String {
    let (HandlerError::Retry(source) | HandlerError::Reject(source)) = error;
    if source.downcast_ref::<ChannelGaveUp>().is_some() {
        gave_up_reason(channel)
    } else {
        INTERNAL_REASON.to_owned()
    }
}
