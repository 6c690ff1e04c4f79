//! The web chat's rules, free of I/O: session tokens (random, stored only as
//! a SHA-256, compared in constant time), what a shopper may send and how it
//! becomes a `store.chat.message.new` content and a transcript entry, who a
//! transcript entry is from, and the conversation id
//! `webchat:<brand>:<session_id>`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use store_events::{
    BrandId, ConversationId, IdError,
    data::{
        chat::MessageContent,
        common::Channel,
        response::{ResponsePart, Sender},
    },
};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{control::has_refused_control, conversation::ConversationRef};

/// Longest text a shopper may send, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest `client_message_id`, in characters.
pub const MAX_CLIENT_MESSAGE_ID_CHARS: usize = 128;
/// Longest id or title of a button or list pick, in characters.
pub const MAX_PICK_CHARS: usize = 256;

/// Why a shopper's input was refused (a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

fn refuse(message: impl Into<String>) -> InputError {
    InputError(message.into())
}

/// A new session token: 244 random bits from the operating system's CSPRNG
/// (two UUIDv4), as 64 hex digits. Shown to the shopper once.
pub fn new_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// What is stored of a token: its SHA-256.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether `presented` is the token whose hash is `stored`, in constant time.
pub fn token_matches(presented: &str, stored: &[u8]) -> bool {
    bool::from(token_hash(presented).as_slice().ct_eq(stored))
}

/// The conversation of a web chat session.
pub fn conversation_id(brand: &BrandId, session: Uuid) -> Result<ConversationId, IdError> {
    ConversationRef::new(Channel::Webchat, brand.as_str(), session.to_string()).id()
}

/// The ids of the shopper message `client_message_id` of conversation
/// `conversation` of `tenant`: our `message_id` and the id of its
/// `store.chat.message.new`, both UUIDv5 of the three, so every attempt to
/// post the same message carries the same ids (see
/// `flows::post_webchat_message` for why that matters).
pub fn message_ids(
    tenant: &str,
    conversation: &ConversationId,
    client_message_id: &str,
) -> MessageIds {
    // Tenant ids and web chat conversation ids (`webchat:<brand>:<uuid>`)
    // hold no '/', so the name is unambiguous; the client's id is last and
    // may hold anything.
    let name = |what: &str| {
        let name = format!(
            "{what}/{tenant}/{}/{client_message_id}",
            conversation.as_str()
        );
        Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes())
    };
    MessageIds {
        message_id: name("webchat-message"),
        event_id: name("store.chat.message.new").to_string(),
    }
}

/// The ids a shopper's message is published under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageIds {
    /// Our id of the message (`message_id` of the event and the transcript).
    pub message_id: Uuid,
    /// The CloudEvents id of its `store.chat.message.new`.
    pub event_id: String,
}

/// A display name: trimmed, empty as none, at most [`MAX_NAME_CHARS`].
pub fn display_name(name: Option<&str>) -> Result<Option<String>, InputError> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(refuse(format!(
            "name must be at most {MAX_NAME_CHARS} printable characters"
        )));
    }
    Ok(Some(name.to_owned()))
}

/// A button or list row the shopper picked, as the client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Pick {
    /// Id of the button or row.
    pub id: String,
    /// Its title, shown in the transcript.
    pub title: String,
}

/// A shopper's message, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShopperInput {
    /// Typed text (trimmed, 1 to [`MAX_TEXT_CHARS`] characters).
    Text(String),
    /// A tap on a button or list row.
    Pick(Pick),
}

impl ShopperInput {
    /// Exactly one of `text` and `reply`, within the limits.
    pub fn parse(text: Option<String>, reply: Option<Pick>) -> Result<Self, InputError> {
        match (text, reply) {
            (Some(text), None) => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(refuse("text is empty"));
                }
                if has_refused_control(text) {
                    return Err(refuse(
                        "text must not contain control characters (NUL, escape…); \
                         tab and line breaks are fine",
                    ));
                }
                let chars = text.chars().count();
                if chars > MAX_TEXT_CHARS {
                    return Err(refuse(format!(
                        "text has {chars} characters, more than {MAX_TEXT_CHARS}"
                    )));
                }
                Ok(Self::Text(text.to_owned()))
            }
            (None, Some(pick)) => {
                let id = pick.id.trim();
                let title = pick.title.trim();
                if id.is_empty() || title.is_empty() {
                    return Err(refuse("reply needs an id and a title"));
                }
                if has_refused_control(id) || has_refused_control(title) {
                    return Err(refuse(
                        "reply id and title must not contain control characters",
                    ));
                }
                if id.chars().count() > MAX_PICK_CHARS || title.chars().count() > MAX_PICK_CHARS {
                    return Err(refuse(format!(
                        "reply id and title must be at most {MAX_PICK_CHARS} characters"
                    )));
                }
                Ok(Self::Pick(Pick {
                    id: id.to_owned(),
                    title: title.to_owned(),
                }))
            }
            (Some(_), Some(_)) => Err(refuse("send either text or reply, not both")),
            (None, None) => Err(refuse("text or reply is required")),
        }
    }

    /// The content of the `store.chat.message.new`.
    pub fn content(&self) -> MessageContent {
        match self {
            Self::Text(text) => MessageContent::Text { text: text.clone() },
            Self::Pick(pick) => MessageContent::InteractiveReply {
                reply_id: pick.id.clone(),
                title: pick.title.clone(),
                description: None,
            },
        }
    }

    /// The transcript shows one text part: the text, or the pick's title.
    pub fn transcript_part(&self) -> ResponsePart {
        let text = match self {
            Self::Text(text) => text.clone(),
            Self::Pick(pick) => pick.title.clone(),
        };
        ResponsePart::Text { text }
    }
}

/// A `client_message_id`: optional, 1 to [`MAX_CLIENT_MESSAGE_ID_CHARS`]
/// printable characters.
pub fn client_message_id(id: Option<String>) -> Result<Option<String>, InputError> {
    let Some(id) = id else { return Ok(None) };
    if id.is_empty()
        || id.chars().count() > MAX_CLIENT_MESSAGE_ID_CHARS
        || id.chars().any(char::is_control)
    {
        return Err(refuse(format!(
            "client_message_id must be 1 to {MAX_CLIENT_MESSAGE_ID_CHARS} printable characters"
        )));
    }
    Ok(Some(id))
}

/// A shopper's post (`POST …/messages`), read from its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopperPost {
    /// What they sent.
    pub input: ShopperInput,
    /// The client's id of the message, for retries.
    pub client_message_id: Option<String>,
}

/// Why a post was refused: not the JSON object it must be (a 400
/// `malformed_payload`), or one breaking a rule (a 400 `invalid_request`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    /// Not JSON, or not of the post's shape.
    #[error("{0}")]
    Malformed(String),
    /// Of the shape, but refused.
    #[error(transparent)]
    Invalid(#[from] InputError),
}

#[derive(Deserialize)]
struct PostBody {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    reply: Option<Pick>,
    #[serde(default)]
    client_message_id: Option<String>,
}

/// Reads a post's body.
pub fn parse_post(body: &[u8]) -> Result<ShopperPost, PostError> {
    let body: PostBody =
        serde_json::from_slice(body).map_err(|e| PostError::Malformed(e.to_string()))?;
    Ok(ShopperPost {
        input: ShopperInput::parse(body.text, body.reply)?,
        client_message_id: client_message_id(body.client_message_id)?,
    })
}

/// Who a transcript entry is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The shopper.
    Shopper,
    /// The brand's AI seller.
    Seller,
    /// A human seller.
    Human,
    /// The store itself (order notifications, notices).
    System,
}

impl Author {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shopper => "shopper",
            Self::Seller => "seller",
            Self::Human => "human",
            Self::System => "system",
        }
    }

    /// Reads a stored name back.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "shopper" => Self::Shopper,
            "seller" => Self::Seller,
            "human" => Self::Human,
            "system" => Self::System,
            _ => return None,
        })
    }

    /// The author of a reply, as the transcript names it.
    pub fn of_reply(sender: Sender) -> Self {
        match sender {
            Sender::Ai => Self::Seller,
            Sender::Human => Self::Human,
            Sender::System => Self::System,
        }
    }
}

/// One transcript entry as the protocol shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Position in the session, from 1.
    pub seq: i64,
    /// Author.
    pub from: Author,
    /// The `store.chat.response` parts (a shopper's entry: one text part).
    pub parts: Value,
    /// When it was added.
    pub sent_at: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_message_has_the_same_ids_on_every_attempt_and_only_its_own() {
        let session = Uuid::now_v7();
        let fashion = conversation_id(&BrandId::parse("fashion").unwrap(), session).unwrap();
        let tech = conversation_id(&BrandId::parse("tech").unwrap(), session).unwrap();

        let first = message_ids("shop", &fashion, "c-1");

        assert_eq!(first, message_ids("shop", &fashion, "c-1"));
        assert_ne!(first.event_id, first.message_id.to_string());
        for other in [
            message_ids("shop", &fashion, "c-2"),
            message_ids("shop", &tech, "c-1"),
            message_ids("other", &fashion, "c-1"),
        ] {
            assert_ne!(other.message_id, first.message_id);
            assert_ne!(other.event_id, first.event_id);
        }
    }

    #[test]
    fn a_token_matches_only_its_own_hash() {
        let token = new_token();
        let other = new_token();

        let stored = token_hash(&token);

        assert_eq!(token.len(), 64);
        assert_ne!(token, other);
        assert!(token_matches(&token, &stored));
        assert!(!token_matches(&other, &stored));
        assert!(!token_matches("", &stored));
    }

    #[test]
    fn text_is_trimmed_and_must_be_between_one_and_4096_characters() {
        let longest = "é".repeat(MAX_TEXT_CHARS);

        let ok = ShopperInput::parse(Some("  hi  ".into()), None).unwrap();
        let long_ok = ShopperInput::parse(Some(longest.clone()), None);
        let too_long = ShopperInput::parse(Some(format!("{longest}x")), None);
        let blank = ShopperInput::parse(Some(" \n ".into()), None);

        assert_eq!(ok, ShopperInput::Text("hi".into()));
        assert!(long_ok.is_ok(), "4096 multi-byte characters are allowed");
        assert!(too_long.unwrap_err().0.contains("more than 4096"));
        assert_eq!(blank.unwrap_err().0, "text is empty");
    }

    #[test]
    fn a_pick_becomes_an_interactive_reply_shown_by_its_title() {
        let pick = Pick {
            id: "size:m".into(),
            title: "M".into(),
        };

        let input = ShopperInput::parse(None, Some(pick)).unwrap();

        assert_eq!(
            input.content(),
            MessageContent::InteractiveReply {
                reply_id: "size:m".into(),
                title: "M".into(),
                description: None
            }
        );
        assert_eq!(
            input.transcript_part(),
            ResponsePart::Text { text: "M".into() }
        );
    }

    #[test]
    fn exactly_one_of_text_and_reply_is_required() {
        let pick = Pick {
            id: "a".into(),
            title: "A".into(),
        };

        assert!(ShopperInput::parse(None, None).is_err());
        assert!(ShopperInput::parse(Some("x".into()), Some(pick)).is_err());
    }

    #[test]
    fn replies_are_from_the_seller_a_human_or_the_system() {
        assert_eq!(Author::of_reply(Sender::Ai), Author::Seller);
        assert_eq!(Author::of_reply(Sender::Human), Author::Human);
        assert_eq!(Author::of_reply(Sender::System), Author::System);
        for from in [
            Author::Shopper,
            Author::Seller,
            Author::Human,
            Author::System,
        ] {
            assert_eq!(Author::parse(from.as_str()), Some(from));
        }
    }

    #[test]
    fn the_conversation_names_the_brand_and_the_session() {
        let session = Uuid::now_v7();

        let id = conversation_id(&BrandId::parse("fashion").unwrap(), session).unwrap();

        assert_eq!(id.as_str(), format!("webchat:fashion:{session}"));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(display_name(Some(" Ana ")).unwrap(), Some("Ana".into()));
        assert_eq!(display_name(Some("  ")).unwrap(), None);
        assert!(display_name(Some(&"a".repeat(81))).is_err());
    }
}
