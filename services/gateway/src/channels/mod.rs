//! HTTP clients of the channels' APIs (Graph API, Bot API) and what one send
//! came to, so the sender can tell a rate limit from a permanent refusal;
//! [`media`] downloads what shoppers send.

pub mod media;
pub mod telegram;
pub mod whatsapp;

use std::time::Duration;

/// The outcome of one API call that got an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; the channel's id of the new message, when it says.
    Sent(Option<String>),
    /// Rate limited (HTTP 429, Graph throughput errors): try again after the
    /// given delay, or our own backoff.
    RateLimited(Option<Duration>),
    /// The channel is in trouble (5xx): try again with backoff.
    Unavailable(String),
    /// Refused for good (bad request, 24-hour window closed, bot blocked).
    Refused(Refusal),
}

/// Why a channel refused a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub http_status: u16,
    /// The channel's error code (Graph `error.code`, Bot API `error_code`).
    pub code: Option<i64>,
    /// Short description.
    pub title: String,
    /// Longer message, when given.
    pub message: Option<String>,
    /// Graph `error_data.details`, when given.
    pub details: Option<String>,
}

/// A `Retry-After` header in seconds.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
