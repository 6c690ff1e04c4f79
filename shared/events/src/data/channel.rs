//! Channel-specific events at the edge: raw inbound messages as WhatsApp and
//! Telegram sent them, and WhatsApp delivery statuses.
//!
//! The channel's own JSON is carried untouched as a [`serde_json::Value`], so
//! nothing the channel sent is lost.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::EventData;

/// `store.whatsapp.message.received`: one inbound WhatsApp message, as the
/// Cloud API webhook delivered it. Emitted by the gateway for audit and
/// replay; the gateway also emits the normalised `store.chat.message.new`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatsAppMessageReceived {
    /// The business phone number's id (`metadata.phone_number_id`), which
    /// identifies the brand's WhatsApp account.
    pub phone_number_id: String,
    /// WhatsApp message id (`wamid.…`), the idempotency key at the edge.
    pub message_id: String,
    /// When the gateway received the webhook.
    pub received_at: DateTime<Utc>,
    /// The `value` object of the webhook change that carried this message
    /// (`messaging_product`, `metadata`, `contacts`, `messages`), as sent.
    pub payload: Value,
}

impl EventData for WhatsAppMessageReceived {
    const TYPE: &'static str = "store.whatsapp.message.received";
}

/// `store.telegram.message.received`: one Telegram update, as the Bot API
/// delivered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelegramMessageReceived {
    /// The bot's id (the number before `:` in its token), which identifies
    /// the brand's Telegram account.
    pub bot_id: String,
    /// The update's `update_id`, as a string; the idempotency key at the edge.
    pub update_id: String,
    /// When the gateway received the update.
    pub received_at: DateTime<Utc>,
    /// The whole `Update` object, as sent.
    pub payload: Value,
}

impl EventData for TelegramMessageReceived {
    const TYPE: &'static str = "store.telegram.message.received";
}

/// Delivery state of an outbound WhatsApp message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhatsAppStatus {
    /// Accepted by WhatsApp.
    Sent,
    /// Delivered to the shopper's device.
    Delivered,
    /// Read by the shopper.
    Read,
    /// Could not be delivered; see `errors`.
    Failed,
    /// A voice message was played.
    Played,
    /// Deleted by the shopper.
    Deleted,
    /// Sent with a warning; see `errors`.
    Warning,
}

/// One error of a WhatsApp status, as the Cloud API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppError {
    /// Graph API error code, e.g. `131047`.
    pub code: i64,
    /// Short title.
    pub title: String,
    /// Longer message, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `error_data.details`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// `store.whatsapp.message.status`: a status webhook for a message we sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatsAppMessageStatus {
    /// The business phone number's id the message was sent from.
    pub phone_number_id: String,
    /// WhatsApp message id (`wamid.…`) of the message we sent.
    pub message_id: String,
    /// Recipient's WhatsApp id.
    pub recipient_id: String,
    /// The new state.
    pub status: WhatsAppStatus,
    /// When WhatsApp says the state changed.
    pub timestamp: DateTime<Utc>,
    /// Errors reported with a `failed` or `warning` status.
    #[serde(default)]
    pub errors: Vec<WhatsAppError>,
    /// The `conversation` object (id, origin, expiry), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Value>,
    /// The `pricing` object (billable, category), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Value>,
}

impl EventData for WhatsAppMessageStatus {
    const TYPE: &'static str = "store.whatsapp.message.status";
}
