//! The Telegram Bot API `Update`: `message`, `edited_message` and
//! `callback_query` (text, photo, voice, audio, video, document, sticker,
//! location, venue, contact) parsed into an [`InboundMessage`].
//!
//! Control characters are stripped from every string first
//! ([`super::control`]): a refusal would make Telegram retry forever.
//!
//! Updates of other kinds (channel posts, member changes, polls…) are not
//! shopper messages: they parse to `None` and are acknowledged without an
//! event.

use serde::Deserialize;
use serde_json::Value;
use store_events::data::{
    chat::{MediaKind, MessageContent, SharedContact},
    common::{Channel, Customer},
};

use super::{InboundMessage, PayloadError, control::strip_controls, unix_time};

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    edited_message: Option<Message>,
    #[serde(default)]
    callback_query: Option<CallbackQuery>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    #[serde(default)]
    from: Option<User>,
    chat: Chat,
    date: i64,
    #[serde(default)]
    reply_to_message: Option<MessageRef>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct MessageRef {
    message_id: i64,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    language_code: Option<String>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
}

#[derive(Deserialize)]
struct CallbackQuery {
    id: String,
    from: User,
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    data: Option<String>,
}

/// Parses an update received by bot `bot_id`; `Ok(None)` for updates that
/// are not shopper messages.
pub fn parse_update(bot_id: &str, body: &[u8]) -> Result<Option<InboundMessage>, PayloadError> {
    let mut raw: Value =
        serde_json::from_slice(body).map_err(|e| PayloadError(format!("not JSON: {e}")))?;
    strip_controls(&mut raw);
    let update = Update::deserialize(&raw)
        .map_err(|e| PayloadError(format!("not a Telegram update: {e}")))?;
    if update.update_id < 0 {
        return Err(PayloadError("update_id is negative".to_owned()));
    }
    let dedup_key = format!("{bot_id}:{}", update.update_id);
    let inbound = |message: &Message, from: &User, content, edited, channel_message_id: String| {
        Ok(InboundMessage {
            channel: Channel::Telegram,
            account: bot_id.to_owned(),
            chat: message.chat.id.to_string(),
            dedup_key: dedup_key.clone(),
            channel_message_id,
            customer: customer(from),
            sent_at: unix_time(message.date)?,
            content,
            reply_to: message
                .reply_to_message
                .as_ref()
                .map(|r| r.message_id.to_string()),
            edited,
            raw: raw.clone(),
        })
    };
    if let Some(query) = &update.callback_query {
        let Some(message) = &query.message else {
            // A tap on an inline-mode message: no chat to answer in.
            return Ok(None);
        };
        let reply_id = query.data.clone().filter(|d| !d.is_empty());
        let Some(reply_id) = reply_id else {
            return Ok(None);
        };
        let content = MessageContent::InteractiveReply {
            title: button_text(message, &reply_id).unwrap_or_else(|| reply_id.clone()),
            reply_id,
            description: None,
        };
        let mut parsed = inbound(message, &query.from, content, false, query.id.clone())?;
        // The message that carried the keyboard is the one answered.
        parsed.reply_to = Some(message.message_id.to_string());
        return Ok(Some(parsed));
    }
    let (message, edited) = match (&update.message, &update.edited_message) {
        (Some(m), _) => (m, false),
        (None, Some(m)) => (m, true),
        (None, None) => return Ok(None),
    };
    let Some(from) = &message.from else {
        return Ok(None);
    };
    inbound(
        message,
        from,
        content_of(message),
        edited,
        message.message_id.to_string(),
    )
    .map(Some)
}

fn customer(user: &User) -> Customer {
    let name = match &user.last_name {
        Some(last) if !last.is_empty() => format!("{} {last}", user.first_name),
        _ => user.first_name.clone(),
    };
    Customer {
        id: user.id.to_string(),
        display_name: (!name.is_empty()).then_some(name),
        phone: None,
        language: user.language_code.clone().filter(|l| !l.is_empty()),
    }
}

/// The label of the inline button whose `callback_data` is `data`.
fn button_text(message: &Message, data: &str) -> Option<String> {
    message
        .rest
        .get("reply_markup")?
        .get("inline_keyboard")?
        .as_array()?
        .iter()
        .filter_map(Value::as_array)
        .flatten()
        .find(|b| b.get("callback_data").and_then(Value::as_str) == Some(data))
        .and_then(|b| b.get("text")?.as_str().map(str::to_owned))
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn content_of(message: &Message) -> MessageContent {
    let fields = &message.rest;
    let caption = fields
        .get("caption")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let media = |kind: MediaKind, body: &Value| MessageContent::Media {
        media_kind: kind,
        media_id: text(body, "file_id"),
        url: None,
        mime_type: text(body, "mime_type"),
        caption: caption.clone(),
        filename: text(body, "file_name"),
    };
    if let Some(t) = fields.get("text").and_then(Value::as_str) {
        return MessageContent::Text { text: t.to_owned() };
    }
    if let Some(photo) = fields.get("photo").and_then(Value::as_array) {
        // Telegram sends every size, smallest first: keep the largest.
        if let Some(largest) = photo.last() {
            return media(MediaKind::Image, largest);
        }
    }
    for (key, kind) in [
        ("voice", MediaKind::Voice),
        ("audio", MediaKind::Audio),
        ("video", MediaKind::Video),
        ("video_note", MediaKind::Video),
        ("animation", MediaKind::Video),
        ("document", MediaKind::Document),
        ("sticker", MediaKind::Sticker),
    ] {
        if let Some(body) = fields.get(key).filter(|b| b.is_object()) {
            return media(kind, body);
        }
    }
    if let Some(venue) = fields.get("venue")
        && let Some(content) = location(
            venue.get("location"),
            text(venue, "title"),
            text(venue, "address"),
        )
    {
        return content;
    }
    if let Some(content) = location(fields.get("location"), None, None) {
        return content;
    }
    if let Some(contact) = fields.get("contact") {
        let name = [text(contact, "first_name"), text(contact, "last_name")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let phones: Vec<String> = text(contact, "phone_number").into_iter().collect();
        if !name.is_empty() || !phones.is_empty() {
            return MessageContent::Contacts {
                contacts: vec![SharedContact {
                    name: if name.is_empty() {
                        phones.join(", ")
                    } else {
                        name
                    },
                    phones,
                }],
            };
        }
    }
    let original_kind = fields
        .keys()
        .find(|k| {
            !matches!(
                k.as_str(),
                "edit_date"
                    | "entities"
                    | "caption"
                    | "reply_markup"
                    | "forward_origin"
                    | "via_bot"
            )
        })
        .cloned()
        .unwrap_or_else(|| "message".to_owned());
    MessageContent::Unsupported {
        original_kind,
        detail: caption,
    }
}

fn location(
    value: Option<&Value>,
    name: Option<String>,
    address: Option<String>,
) -> Option<MessageContent> {
    let value = value?;
    let latitude = value.get("latitude").and_then(Value::as_f64)?;
    let longitude = value.get("longitude").and_then(Value::as_f64)?;
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
        MessageContent::Location {
            latitude,
            longitude,
            name,
            address,
        },
    )
}

#[cfg(test)]
#[path = "telegram_tests.rs"]
mod tests;
