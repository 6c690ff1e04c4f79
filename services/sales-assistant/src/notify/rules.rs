//! What a notification says and how its delivery is retried, free of I/O:
//! the link to the conversation, the Telegram text, the webhook's JSON body
//! and its signature, which answers are worth another attempt and when.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac as _};
use serde::Serialize;
use sha2::Sha256;
use url::Url;

/// A new escalation, as the notice keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Tenant.
    pub tenant: String,
    /// Brand.
    pub brand: String,
    /// Conversation.
    pub conversation: String,
    /// The hand-off it opened.
    pub handoff: uuid::Uuid,
    /// Why the AI seller escalated.
    pub reason: String,
    /// What the human needs to know.
    pub summary: String,
    /// `low`, `normal` or `high`.
    pub priority: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
}

/// The conversation's page: `<base>/inbox/conversations/<conversation>`,
/// the conversation id encoded as one path segment.
pub fn conversation_link(base: &Url, conversation: &str) -> String {
    let mut link = base.clone();
    if let Ok(mut segments) = link.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["inbox", "conversations", conversation]);
    }
    link.to_string()
}

/// The Telegram message: plain text (no parse mode, so nothing in the
/// summary is read as markup).
pub fn telegram_text(notice: &Notice, link: &str) -> String {
    format!(
        "New conversation for a person — {brand}\nReason: {reason} · priority {priority}\n{summary}\n{link}",
        brand = notice.brand,
        reason = notice.reason.replace('_', " "),
        priority = notice.priority,
        summary = notice.summary,
    )
}

/// The webhook's JSON body.
#[derive(Debug, Serialize)]
struct WebhookBody<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    tenant: &'a str,
    brand: &'a str,
    conversation: &'a str,
    handoff: uuid::Uuid,
    reason: &'a str,
    summary: &'a str,
    priority: &'a str,
    opened_at: DateTime<Utc>,
    url: &'a str,
}

/// The webhook's body: `{"type": "escalation.opened", "tenant", "brand",
/// "conversation", "handoff", "reason", "summary", "priority",
/// "opened_at", "url"}`.
pub fn webhook_body(notice: &Notice, link: &str) -> Vec<u8> {
    let body = WebhookBody {
        ty: "escalation.opened",
        tenant: &notice.tenant,
        brand: &notice.brand,
        conversation: &notice.conversation,
        handoff: notice.handoff,
        reason: &notice.reason,
        summary: &notice.summary,
        priority: &notice.priority,
        opened_at: notice.opened_at,
        url: link,
    };
    // Serializing plain strings, ids and a time cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

/// `X-Signature`'s value for `body` under `secret`:
/// `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC takes keys of any length.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What became of one attempt to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Delivered.
    Sent,
    /// Not now (unreachable, 5xx, 408, 429): try again; the wait the
    /// receiver asked for, if any.
    Retry(String, Option<Duration>),
    /// Never (another 4xx: a bad URL, a chat that blocked the bot): give up.
    Refused(String),
}

/// The attempt an HTTP answer of `status` was, `why` saying what the
/// receiver answered.
pub fn attempt_of(status: u16, why: String, wait: Option<Duration>) -> Attempt {
    match status {
        200..=299 => Attempt::Sent,
        408 | 429 | 500..=599 => Attempt::Retry(why, wait),
        _ => Attempt::Refused(why),
    }
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, at least 1.
    pub attempts: u32,
    /// Wait after the first failed attempt; doubled after each next one.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait before the attempt after failed attempt number `attempt`
    /// (from 1), or none when that was the last: `first · 2^(attempt-1)`,
    /// at most `max`, or longer when the receiver asked for longer.
    pub fn next(&self, attempt: u32, asked: Option<Duration>) -> Option<Duration> {
        if attempt >= self.attempts {
            return None;
        }
        let doubled = self
            .first
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(20)));
        Some(doubled.min(self.max).max(asked.unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn notice() -> Notice {
        Notice {
            tenant: "acme".to_owned(),
            brand: "shoes".to_owned(),
            conversation: "wa:5511 9/ana".to_owned(),
            handoff: uuid::Uuid::nil(),
            reason: "customer_request".to_owned(),
            summary: "Wants <b>a refund</b>".to_owned(),
            priority: "high".to_owned(),
            opened_at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn the_link_encodes_the_conversation_as_one_segment() {
        let base = Url::parse("https://inbox.example.com/").unwrap();
        let under_a_path = Url::parse("https://example.com/shop").unwrap();

        assert_eq!(
            conversation_link(&base, "wa:5511 9/ana"),
            "https://inbox.example.com/inbox/conversations/wa:5511%209%2Fana"
        );
        assert_eq!(
            conversation_link(&under_a_path, "tg:1"),
            "https://example.com/shop/inbox/conversations/tg:1"
        );
    }

    #[test]
    fn the_messages_say_brand_reason_summary_and_link() {
        let link = "https://inbox.example.com/inbox/conversations/x";

        let text = telegram_text(&notice(), link);
        let body: serde_json::Value =
            serde_json::from_slice(&webhook_body(&notice(), link)).unwrap();

        assert_eq!(
            text,
            "New conversation for a person — shoes\nReason: customer request · priority high\n\
             Wants <b>a refund</b>\nhttps://inbox.example.com/inbox/conversations/x"
        );
        assert_eq!(
            body,
            serde_json::json!({
                "type": "escalation.opened", "tenant": "acme", "brand": "shoes",
                "conversation": "wa:5511 9/ana", "handoff": uuid::Uuid::nil(),
                "reason": "customer_request", "summary": "Wants <b>a refund</b>",
                "priority": "high", "opened_at": "2025-11-24T16:00:00Z", "url": link,
            })
        );
    }

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn server_errors_and_throttling_are_retried_other_refusals_are_not() {
        assert_eq!(attempt_of(204, String::new(), None), Attempt::Sent);
        for status in [408, 429, 500, 502, 503] {
            assert!(
                matches!(attempt_of(status, "x".into(), None), Attempt::Retry(..)),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 410] {
            assert_eq!(
                attempt_of(status, "x".into(), None),
                Attempt::Refused("x".into())
            );
        }
    }

    #[test]
    fn the_wait_doubles_up_to_the_longest_and_stops_after_the_last_attempt() {
        let backoff = Backoff {
            attempts: 5,
            first: Duration::from_secs(2),
            max: Duration::from_secs(10),
        };
        let waits: Vec<Option<Duration>> = (1..=5).map(|a| backoff.next(a, None)).collect();

        assert_eq!(
            waits,
            [2, 4, 8, 10]
                .map(|s| Some(Duration::from_secs(s)))
                .into_iter()
                .chain([None])
                .collect::<Vec<_>>()
        );
        assert_eq!(
            backoff.next(1, Some(Duration::from_secs(30))),
            Some(Duration::from_secs(30))
        );
    }
}
