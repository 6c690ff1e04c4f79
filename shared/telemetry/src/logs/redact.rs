//! Personal data kept out of log lines (and so out of log stores, which
//! are kept longer and read by more people than the databases).
//!
//! A conversation id names the shopper (`whatsapp:<account>:<phone>`), so
//! do customer ids, WhatsApp ids and message keys; what a shopper wrote, and
//! a reply that echoes it, is theirs. The log formatter ([`super::JsonFormat`])
//! rewrites fields by name, in events and in spans alike, so no call site
//! can forget:
//!
//! - [`ID_FIELDS`] become a [`pseudonym`]: a keyed hash (HMAC-SHA256 with
//!   the deployment's `LOG_ID_KEY`, truncated), the same in every service of
//!   a deployment, so one conversation can still be followed across
//!   services, but no phone number can be read or guessed from it without
//!   the key;
//! - [`TEXT_FIELDS`] are replaced by their length above debug level (at
//!   debug, where a developer asked for it, they show).
//!
//! Spans exported over OTLP go through the same rules
//! ([`crate::otlp::Redacting`]): a trace store is a log store too.
//!
//! Without `LOG_ID_KEY` (or `LOG_ID_KEY_FILE`), each process draws a
//! random key: ids stay unreadable, but the services' pseudonyms differ.

use std::sync::OnceLock;

use hmac::{Hmac, Mac as _};
use serde_json::Value;
use sha2::Sha256;
use tracing::Level;

/// Fields holding an id that can name a person.
pub const ID_FIELDS: &[&str] = &[
    "conversation",
    "conversation_id",
    "customer",
    "customer_id",
    "wa_id",
    "phone",
    "phone_number",
    "chat_id",
    "email",
    // A channel's message key (a WhatsApp `wamid` encodes the sender).
    "key",
];

/// Fields holding what someone wrote.
pub const TEXT_FIELDS: &[&str] = &[
    "text",
    "reply",
    "body",
    "content",
    "caption",
    "transcript",
    "draft",
];

/// Hex digits of the HMAC kept: 64 bits, plenty to tell conversations apart.
const PSEUDONYM_HEX: usize = 16;

static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// Sets the deployment's key; the first key set (or drawn) stays for the
/// life of the process. Whether this one was taken.
pub fn set_key(key: &[u8]) -> bool {
    KEY.set(key.to_vec()).is_ok()
}

/// The key from `LOG_ID_KEY` or the file `LOG_ID_KEY_FILE` names; `None`
/// when neither is set.
pub fn key_from_env() -> std::io::Result<Option<Vec<u8>>> {
    if let Some(key) = std::env::var("LOG_ID_KEY").ok().filter(|k| !k.is_empty()) {
        return Ok(Some(key.into_bytes()));
    }
    match std::env::var("LOG_ID_KEY_FILE")
        .ok()
        .filter(|p| !p.is_empty())
    {
        Some(path) => Ok(Some(
            std::fs::read_to_string(path)?.trim().as_bytes().to_vec(),
        )),
        None => Ok(None),
    }
}

fn key() -> &'static [u8] {
    KEY.get_or_init(|| {
        // No key set: one of this process only (two v4 UUIDs, 244 random bits).
        let mut key = uuid::Uuid::new_v4().into_bytes().to_vec();
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        key
    })
}

/// `id` as it may appear in logs: `id:` and 16 hex digits of its
/// HMAC-SHA256 under the deployment's key.
pub fn pseudonym(id: &str) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key()) else {
        return "id:?".to_owned();
    };
    mac.update(id.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut hex = hex::encode(digest);
    hex.truncate(PSEUDONYM_HEX);
    format!("id:{hex}")
}

/// What field `name` of an event or span at `level` shows in a log line.
pub(crate) fn redact(name: &str, value: Value, level: Level) -> Value {
    let shown = match &value {
        Value::Null => return value,
        Value::String(text) => replacement(name, text, level),
        other => replacement(name, &other.to_string(), level),
    };
    shown.map_or(value, Value::String)
}

/// What replaces field `name`, whose value reads `value`, at `level`: a
/// [`pseudonym`] for an id, the length of a text above debug; `None` when
/// the value shows as it is. Log lines and exported spans
/// ([`crate::otlp::Redacting`]) both go through it.
pub(crate) fn replacement(name: &str, value: &str, level: Level) -> Option<String> {
    if ID_FIELDS.contains(&name) {
        return Some(pseudonym(value));
    }
    // Above debug: INFO, WARN, ERROR (tracing orders TRACE as the greatest).
    if TEXT_FIELDS.contains(&name) && level < Level::DEBUG {
        return Some(format!("[{} characters]", value.chars().count()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_hashed_the_same_way_each_time_and_hides_the_number() {
        let id = "whatsapp:100000000000001:34600111222";

        let shown = redact("conversation", id.into(), Level::INFO);

        assert_eq!(shown, Value::String(pseudonym(id)));
        assert!(!shown.to_string().contains("34600111222"));
        assert_ne!(
            pseudonym(id),
            pseudonym("whatsapp:100000000000001:34600111223")
        );
        assert_eq!(pseudonym(id).len(), 3 + PSEUDONYM_HEX);
    }

    #[test]
    fn text_shows_at_debug_only() {
        let text = Value::String("call me on 34600111222".into());

        assert_eq!(
            redact("reply", text.clone(), Level::INFO),
            Value::String("[22 characters]".into())
        );
        assert_eq!(
            redact("text", text.clone(), Level::ERROR),
            Value::String("[22 characters]".into())
        );
        assert_eq!(redact("reply", text.clone(), Level::DEBUG), text);
    }

    #[test]
    fn other_fields_pass() {
        assert_eq!(redact("tenant", "demo".into(), Level::INFO), "demo");
    }
}
