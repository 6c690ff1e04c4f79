//! `store.chat.message.new`: a shopper's message, the same shape whatever the
//! channel, for the seller of the brand it was sent to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{Channel, Customer};
use crate::EventData;

/// `store.chat.message.new`: one message from a shopper, normalised by the
/// gateway. The conversation, tenant and brand are in the event's extensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageNew {
    /// Our id of the message (a UUIDv7 string).
    pub message_id: String,
    /// Channel it came from.
    pub channel: Channel,
    /// The channel's id of the message (`wamid`, Telegram `message_id`).
    pub channel_message_id: String,
    /// Who sent it.
    pub customer: Customer,
    /// When the shopper sent it, by the channel's clock.
    pub sent_at: DateTime<Utc>,
    /// What the shopper sent.
    pub content: MessageContent,
    /// Channel message id of the message this one replies to (quotes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Whether this is an edit of an earlier message with the same
    /// `channel_message_id`.
    #[serde(default)]
    pub edited: bool,
}

impl EventData for ChatMessageNew {
    const TYPE: &'static str = "store.chat.message.new";
}

/// What a shopper's message holds, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MessageContent {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
    /// A picture, voice note, file or the like.
    Media {
        /// Which kind of media.
        media_kind: MediaKind,
        /// The channel's media id (WhatsApp media id, Telegram `file_id`),
        /// to download through the channel's API.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media_id: Option<String>,
        /// A URL the media can be fetched from, when there is one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// MIME type, when the channel tells it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// Caption the shopper wrote with it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        /// File name of a document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
    },
    /// A shared location.
    Location {
        /// Latitude in degrees, -90 to 90.
        latitude: f64,
        /// Longitude in degrees, -180 to 180.
        longitude: f64,
        /// Name of the place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Address of the place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    /// Shared contact cards.
    Contacts {
        /// The contacts, at least one.
        contacts: Vec<SharedContact>,
    },
    /// A tap on a button or list row we sent.
    InteractiveReply {
        /// Id of the button or row, as we set it.
        reply_id: String,
        /// Its title.
        title: String,
        /// Its description (list rows).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// An emoji reaction to a message.
    Reaction {
        /// The emoji; absent when the reaction was removed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        emoji: Option<String>,
        /// Channel message id of the message reacted to.
        target_message_id: String,
    },
    /// Something we do not understand yet (a poll, an order from a WhatsApp
    /// catalogue, …); kept so a human can look at it.
    Unsupported {
        /// The channel's name for the kind of message.
        original_kind: String,
        /// Whatever might help a human.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
}

/// Kinds of media a shopper can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A picture.
    Image,
    /// An audio file.
    Audio,
    /// A video.
    Video,
    /// A document (PDF, …).
    Document,
    /// A sticker.
    Sticker,
    /// A voice note recorded in the app.
    Voice,
}

/// One shared contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedContact {
    /// Formatted name.
    pub name: String,
    /// Phone numbers, as written on the card.
    #[serde(default)]
    pub phones: Vec<String>,
}
