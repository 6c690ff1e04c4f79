//! `store.chat.media.fetch` and its reply: a seller asks the gateway for the
//! bytes of a media a shopper sent (a voice note to transcribe), since only
//! the gateway holds the channels' tokens (request/reply over the bus: the
//! reply's `causationid` is the request's id).
//!
//! The request travels with the `tenant`, `brand` and `conversation`
//! extensions of the shopper's message; the conversation names the channel
//! account (WhatsApp number, Telegram bot) the media was sent to, and the
//! gateway answers only for media of that tenant's accounts.

use serde::{Deserialize, Serialize};

use super::common::{Channel, ErrorDetail};
use crate::EventData;

/// Largest media the gateway hands over, in bytes (10 MiB): its base64 form
/// stays well under RabbitMQ's default message size limit (16 MiB).
pub const MAX_MEDIA_BYTES: u64 = 10 * 1024 * 1024;

/// `store.chat.media.fetch`: give me the bytes of this media.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMediaFetch {
    /// The channel the media came from (WhatsApp or Telegram; the web chat
    /// has no media).
    pub channel: Channel,
    /// The channel's media id (WhatsApp media id, Telegram `file_id`), as in
    /// the message's `content.media_id`.
    pub media_id: String,
}

impl EventData for ChatMediaFetch {
    const TYPE: &'static str = "store.chat.media.fetch";
}

/// `store.chat.media.fetch.result`: the gateway's answer to a
/// [`ChatMediaFetch`]: the media, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMediaFetchResult {
    /// The media id asked for.
    pub media_id: String,
    /// MIME type, as the channel tells it (`audio/ogg; codecs=opus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The bytes, base64 (standard alphabet, padded); absent with `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_base64: Option<String>,
    /// Size of the media in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Why the media could not be fetched: `too_large` (over
    /// [`MAX_MEDIA_BYTES`] or the gateway's own cap), `not_found`,
    /// `unsupported_channel`, `unknown_account`, `unavailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

impl EventData for ChatMediaFetchResult {
    const TYPE: &'static str = "store.chat.media.fetch.result";
}
