//! The gateway's pure core: parsing the channels' payloads into domain types,
//! brand routing decisions, rendering replies for a channel and splitting
//! long texts, the web chat's rate limits, what a reply's delivery is
//! reported as. No I/O here.

pub mod control;
pub mod conversation;
pub mod delivery;
mod graph_error;
pub mod inbound_events;
pub mod rate_limit;
pub mod render;
pub mod routing;
pub mod send_reference;
pub mod signature;
pub mod split;
pub mod telegram;
pub mod tenants;
pub mod webchat;
pub mod whatsapp;
mod whatsapp_status;

#[cfg(test)]
mod fuzz_tests;

use chrono::{DateTime, Utc};
use serde_json::Value;
use store_events::data::{
    chat::MessageContent,
    common::{Channel, Customer},
};

/// One shopper message from a channel, parsed and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// Channel it came in on.
    pub channel: Channel,
    /// The channel account that received it: WhatsApp `phone_number_id`,
    /// Telegram bot id.
    pub account: String,
    /// The chat within the account: the shopper's `wa_id`, the Telegram
    /// chat id.
    pub chat: String,
    /// Key of the edge deduplication: the `wamid`, or `update_id` for
    /// Telegram (unique per bot).
    pub dedup_key: String,
    /// The channel's id of the message.
    pub channel_message_id: String,
    /// Who sent it.
    pub customer: Customer,
    /// When it was sent, by the channel's clock.
    pub sent_at: DateTime<Utc>,
    /// What it holds.
    pub content: MessageContent,
    /// Channel message id of the message it replies to.
    pub reply_to: Option<String>,
    /// Whether it edits an earlier message.
    pub edited: bool,
    /// The channel's JSON, as carried by the raw `*.message.received` event.
    pub raw: Value,
}

/// Why a channel payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PayloadError(pub String);

/// A Unix time in seconds as a UTC time.
pub(crate) fn unix_time(seconds: i64) -> Result<DateTime<Utc>, PayloadError> {
    DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| PayloadError(format!("timestamp {seconds} is out of range")))
}
