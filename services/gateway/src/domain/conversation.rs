//! Conversation ids: `<channel>:<account>:<chat>`, e.g.
//! `whatsapp:100000000000001:34600111222` (business phone number id, then the
//! shopper's `wa_id`) or `telegram:7000000001:12345` (bot id, then chat id).
//!
//! The id names everything the sender needs to answer (which account to send
//! from, to whom), so a `store.chat.response` needs nothing but its
//! `conversation` extension to be delivered.

use store_events::{ConversationId, IdError, data::common::Channel};

/// A conversation, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRef {
    /// The channel.
    pub channel: Channel,
    /// The channel account (WhatsApp phone number id, Telegram bot id).
    pub account: String,
    /// The chat (WhatsApp `wa_id`, Telegram chat id).
    pub chat: String,
}

/// A conversation id that does not follow the convention.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conversation id {0:?} is not <channel>:<account>:<chat>")]
pub struct BadConversation(pub String);

impl ConversationRef {
    /// A conversation on `channel` between `account` and `chat`.
    pub fn new(channel: Channel, account: impl Into<String>, chat: impl Into<String>) -> Self {
        Self {
            channel,
            account: account.into(),
            chat: chat.into(),
        }
    }

    /// The id, as carried in the `conversation` extension.
    pub fn id(&self) -> Result<ConversationId, IdError> {
        ConversationId::parse(format!(
            "{}:{}:{}",
            channel_name(self.channel),
            self.account,
            self.chat
        ))
    }

    /// Takes an id apart.
    pub fn parse(id: &str) -> Result<Self, BadConversation> {
        let bad = || BadConversation(id.to_owned());
        let mut words = id.splitn(3, ':');
        let channel = match words.next() {
            Some("whatsapp") => Channel::Whatsapp,
            Some("telegram") => Channel::Telegram,
            Some("webchat") => Channel::Webchat,
            _ => return Err(bad()),
        };
        let account = words.next().filter(|w| !w.is_empty()).ok_or_else(bad)?;
        let chat = words.next().filter(|w| !w.is_empty()).ok_or_else(bad)?;
        Ok(Self::new(channel, account, chat))
    }
}

/// The channel's name as in the events (`whatsapp`, `telegram`, `webchat`).
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp => "whatsapp",
        Channel::Telegram => "telegram",
        Channel::Webchat => "webchat",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips() {
        let conversation = ConversationRef::new(Channel::Telegram, "7000000001", "-100123");

        let id = conversation.id().unwrap();

        assert_eq!(id.as_str(), "telegram:7000000001:-100123");
        assert_eq!(ConversationRef::parse(id.as_str()).unwrap(), conversation);
    }

    #[test]
    fn ids_off_the_convention_are_refused() {
        for bad in ["", "whatsapp", "whatsapp:1", "whatsapp::2", "sms:1:2"] {
            assert!(ConversationRef::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
