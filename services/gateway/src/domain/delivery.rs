//! What became of a reply at the shopper's channel, as the gateway reports
//! it in `store.chat.delivery`: sent, or failed with a reason a human
//! seller understands and the channel's own error code. The wording of the
//! channels' refusals lives here, and the report's deterministic event id.

use store_events::data::{
    common::Channel,
    response::{ChatDelivery, DeliveryStatus},
};
use uuid::Uuid;

/// Graph API codes of a message sent outside the 24-hour customer service
/// window: `131047` (Cloud API) and `470` (its older on-premises name).
pub const WHATSAPP_WINDOW_CLOSED: [i64; 2] = [131_047, 470];

/// The reason given when WhatsApp's 24-hour window had closed.
pub const WINDOW_CLOSED_REASON: &str =
    "more than 24 hours since the shopper last wrote: WhatsApp only accepts a template message now";

/// How a reply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The channel accepted every part.
    Sent {
        /// The channel's id of the last message sent, when it gave one.
        channel_message_id: Option<String>,
    },
    /// Refused for good, or given up on.
    Failed(Failure),
}

/// Why a reply was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// For a person: what happened, in the shop's words, not the API's.
    pub reason: String,
    /// The channel's error code, when it gave one.
    pub code: Option<String>,
    /// The channel's id of the last message that did go out (a part before
    /// the refusal, or the re-engagement template), if any.
    pub channel_message_id: Option<String>,
}

impl Failure {
    /// A failure with `reason` and `code`, nothing sent.
    pub fn new(reason: impl Into<String>, code: Option<String>) -> Self {
        Self {
            reason: reason.into(),
            code,
            channel_message_id: None,
        }
    }
}

impl Delivery {
    /// The `store.chat.delivery` data of this outcome of reply `response_id`
    /// on `channel`.
    pub fn data(&self, response_id: &str, channel: Channel) -> ChatDelivery {
        let (status, reason, code, channel_message_id) = match self {
            Self::Sent { channel_message_id } => {
                (DeliveryStatus::Sent, None, None, channel_message_id.clone())
            }
            Self::Failed(failure) => (
                DeliveryStatus::Failed,
                Some(failure.reason.clone()),
                failure.code.clone(),
                failure.channel_message_id.clone(),
            ),
        };
        ChatDelivery {
            response_id: response_id.to_owned(),
            channel,
            status,
            reason,
            code,
            channel_message_id,
        }
    }
}

/// The id of the `store.chat.delivery` reporting `status` for reply
/// `response_id`: a UUIDv5 of both, so a redelivered reply reports under the
/// same id and consumers' idempotency drops the repeat. The status is part
/// of the name so that a reply an operator replays from the dead-letter
/// queue after a failure, and that then goes out, is reported `sent` under
/// an id of its own rather than dropped as a repeat of the failure.
pub fn delivery_event_id(response_id: &str, status: DeliveryStatus) -> String {
    let status = match status {
        DeliveryStatus::Sent => "sent",
        DeliveryStatus::Failed => "failed",
    };
    let name = format!("{response_id}/store.chat.delivery/{status}");
    Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

/// A WhatsApp refusal in words: the Graph error `code` (the HTTP status when
/// there is none) and the error's `title`.
pub fn whatsapp_failure(code: Option<i64>, http_status: u16, title: &str) -> Failure {
    let reason = match code {
        Some(c) if WHATSAPP_WINDOW_CLOSED.contains(&c) => WINDOW_CLOSED_REASON.to_owned(),
        Some(131_026) => "WhatsApp could not deliver it to this number: it may not be on \
             WhatsApp, or the shopper has to update WhatsApp or accept its terms"
            .to_owned(),
        Some(131_050) => {
            "the shopper has chosen not to receive marketing messages from the shop".to_owned()
        }
        Some(131_049) => "WhatsApp held it back to limit the marketing messages the shopper \
             gets; try again later"
            .to_owned(),
        Some(131_051) => "WhatsApp does not support this kind of message".to_owned(),
        Some(131_052 | 131_053) => {
            "WhatsApp could not fetch or upload the picture or file of the message".to_owned()
        }
        Some(131_021) => "the shopper's number is the shop's own WhatsApp number".to_owned(),
        Some(131_030) => {
            "the shopper's number is not on this test number's list of allowed recipients"
                .to_owned()
        }
        Some(131_031) => "the shop's WhatsApp account is locked".to_owned(),
        Some(131_042) => {
            "WhatsApp refused it because of a payment problem on the shop's WhatsApp Business \
             account"
                .to_owned()
        }
        Some(368) => {
            "the shop's WhatsApp number is temporarily blocked for breaking WhatsApp's policies"
                .to_owned()
        }
        Some(133_010) => "the shop's phone number is not registered on WhatsApp".to_owned(),
        Some(190) => {
            "the shop's WhatsApp access token has expired or is invalid: an administrator has \
             to renew it"
                .to_owned()
        }
        Some(10 | 200..=299) => {
            "the shop's WhatsApp access token may not send messages from this number".to_owned()
        }
        Some(100 | 131_008 | 131_009) => {
            format!("WhatsApp refused the message as invalid ({title})")
        }
        _ => format!("WhatsApp refused the message: {title}"),
    };
    Failure::new(
        reason,
        Some(code.unwrap_or(i64::from(http_status)).to_string()),
    )
}

/// A Telegram refusal in words: the Bot API `error_code` (the HTTP status
/// when there is none) and its `description` (e.g. `Forbidden: bot was
/// blocked by the user`).
pub fn telegram_failure(code: Option<i64>, http_status: u16, description: &str) -> Failure {
    let code = code.unwrap_or(i64::from(http_status));
    let said = description.to_ascii_lowercase();
    let reason = match code {
        403 if said.contains("blocked") => "the shopper blocked the bot".to_owned(),
        403 if said.contains("deactivated") => {
            "the shopper's Telegram account was deleted".to_owned()
        }
        403 => "the bot may not write to this chat: the shopper blocked it, left the chat or \
             never started the bot"
            .to_owned(),
        400 if said.contains("chat not found") => {
            "Telegram does not know this chat: the shopper may have deleted it or never started \
             the bot"
                .to_owned()
        }
        401 => "Telegram refused the bot's token: an administrator has to check it".to_owned(),
        _ => format!("Telegram refused the message: {description}"),
    };
    Failure::new(reason, Some(code.to_string()))
}

/// The channel's name for people.
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp => "WhatsApp",
        Channel::Telegram => "Telegram",
        Channel::Webchat => "the web chat",
    }
}

/// The reason given when the gateway gave up on a reply for good after
/// `channel` kept failing (unavailable, rate limiting, no answer).
pub fn gave_up_reason(channel: Channel) -> String {
    format!(
        "{} could not be reached or kept asking to slow down, and the gateway gave up after \
         repeated tries; the reply was not sent",
        channel_name(channel)
    )
}

/// The reason given for a reply the gateway cannot send at all: the
/// conversation names a channel account (WhatsApp number, Telegram bot) the
/// tenant does not have in the gateway's configuration.
pub const CANNOT_SEND_REASON: &str = "the gateway cannot send replies to this conversation: its \
     WhatsApp number or Telegram bot is not set up for the shop; an operator has to look at it";

/// The reason given when the gateway gave up on a reply for good because of
/// its own trouble (database, broker).
pub const INTERNAL_REASON: &str =
    "the gateway could not send it because of an internal error; an operator can resend it";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn given_the_closed_window_codes_then_the_reason_says_only_a_template_goes() {
        for code in WHATSAPP_WINDOW_CLOSED {
            let failure = whatsapp_failure(Some(code), 400, "Re-engagement message");
            assert_eq!(failure.reason, WINDOW_CLOSED_REASON);
            assert_eq!(failure.code, Some(code.to_string()));
        }
    }

    #[test]
    fn given_an_unknown_whatsapp_code_then_the_title_is_kept_and_the_status_stands_in() {
        let failure = whatsapp_failure(Some(999_999), 400, "Something odd");
        assert_eq!(
            failure.reason,
            "WhatsApp refused the message: Something odd"
        );
        assert_eq!(failure.code.as_deref(), Some("999999"));
        let failure = whatsapp_failure(None, 404, "refused");
        assert_eq!(failure.code.as_deref(), Some("404"));
    }

    #[test]
    fn given_telegram_refusals_then_blocked_and_unknown_chats_are_named() {
        let blocked = telegram_failure(Some(403), 403, "Forbidden: bot was blocked by the user");
        assert_eq!(blocked.reason, "the shopper blocked the bot");
        assert_eq!(blocked.code.as_deref(), Some("403"));
        let gone = telegram_failure(Some(400), 400, "Bad Request: chat not found");
        assert!(gone.reason.starts_with("Telegram does not know this chat"));
        let other = telegram_failure(Some(400), 400, "Bad Request: message is too long");
        assert_eq!(
            other.reason,
            "Telegram refused the message: Bad Request: message is too long"
        );
    }

    #[test]
    fn the_event_id_depends_on_the_reply_and_the_status_only() {
        let sent = delivery_event_id("r-1", DeliveryStatus::Sent);
        assert_eq!(sent, delivery_event_id("r-1", DeliveryStatus::Sent));
        assert_ne!(sent, delivery_event_id("r-1", DeliveryStatus::Failed));
        assert_ne!(sent, delivery_event_id("r-2", DeliveryStatus::Sent));
        assert!(Uuid::parse_str(&sent).is_ok());
    }

    #[test]
    fn the_data_carries_the_reason_and_code_of_a_failure_only() {
        let sent = Delivery::Sent {
            channel_message_id: Some("wamid.1".into()),
        }
        .data("r-1", Channel::Whatsapp);
        assert_eq!(sent.status, DeliveryStatus::Sent);
        assert_eq!((sent.reason, sent.code), (None, None));
        assert_eq!(sent.channel_message_id.as_deref(), Some("wamid.1"));
        let failed = Delivery::Failed(Failure::new("why", Some("403".into())))
            .data("r-1", Channel::Telegram);
        assert_eq!(failed.status, DeliveryStatus::Failed);
        assert_eq!(failed.reason.as_deref(), Some("why"));
        assert_eq!(failed.code.as_deref(), Some("403"));
        assert_eq!(failed.response_id, "r-1");
    }
}
