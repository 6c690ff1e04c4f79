//! The reply consumer: every `store.chat.response` (every tenant, every
//! brand, and the brand menus), decoded, its tenant and conversation found,
//! then sent on WhatsApp or Telegram ([`ReplySender::send_reply`]) or
//! appended to a web chat transcript ([`append_webchat_reply`]).
//!
//! It consumes ordered shard queues by conversation (see `startup`), one
//! delivery at a time per shard, so a conversation's replies go out in the
//! order they were produced. A reply that cannot be delivered for good
//! (unknown tenant, no conversation) goes to the dead-letter queue.

use store_bus::{Handler, HandlerError, Incoming};
use store_events::{EventMeta, data::common::Channel, data::response::ChatResponse, decode};

use crate::{
    domain::conversation::ConversationRef,
    flows::{append_webchat_reply::append_webchat_reply, send_reply::ReplySender},
    state::AppState,
};

/// The `store.chat.response` handler.
pub struct ChatResponses {
    state: AppState,
    sender: ReplySender,
}

impl ChatResponses {
    /// A handler sending through `sender`.
    pub fn new(state: AppState, sender: ReplySender) -> Self {
        Self { state, sender }
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
        match conversation.channel {
            Channel::Webchat => {
                append_webchat_reply(&self.state, event, tenant, &conversation, &response).await
            }
            Channel::Whatsapp | Channel::Telegram => {
                self.sender
                    .send_reply(event, tenant, &conversation, &response)
                    .await
            }
        }
    }
}
