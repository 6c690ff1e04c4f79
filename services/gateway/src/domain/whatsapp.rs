//! The WhatsApp Cloud API webhook payload: `entry[].changes[].value` with
//! `metadata`, `contacts`, `messages` and `statuses`, parsed into
//! [`InboundMessage`]s and [`WhatsAppMessageStatus`]es.
//!
//! Every message kind the Cloud API documents is mapped; a kind we do not
//! know, or a message WhatsApp itself could not read, becomes
//! [`MessageContent::Unsupported`] and is still delivered, never dropped.
//!
//! Each message keeps, as its raw payload, the change value narrowed to
//! itself (`messaging_product`, `metadata`, its sender's contact and the
//! message): what the Cloud API sends for a delivery of one message. A
//! batch of N messages so costs memory and time linear in N; a copy of the
//! whole value per message cost N² (5,000 messages in 690 KiB took the
//! gateway past 21 GB). Control characters are stripped from every string
//! first ([`super::control`]).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};
use store_events::data::{
    channel::WhatsAppMessageStatus,
    chat::{MediaKind, MessageContent, SharedContact},
    common::{Channel, Customer},
};

use super::{
    InboundMessage, PayloadError,
    control::strip_controls,
    graph_error::GraphError,
    send_reference::Taken,
    unix_time,
    whatsapp_status::{Status, parse_status, taken},
};

/// Everything one webhook delivery carries, in order.
#[derive(Debug, Default, PartialEq)]
pub struct Delivery {
    /// Shopper messages.
    pub messages: Vec<InboundMessage>,
    /// Status updates of messages we sent.
    pub statuses: Vec<WhatsAppMessageStatus>,
    /// Messages of our replies the statuses say WhatsApp took.
    pub taken: Vec<Taken>,
}

#[derive(Deserialize)]
struct Webhook {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    value: Value,
}

#[derive(Deserialize)]
struct ChangeValue {
    metadata: Metadata,
    #[serde(default)]
    contacts: Vec<Value>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: String,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    from: String,
    id: String,
    timestamp: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default)]
    errors: Vec<GraphError>,
}

#[derive(Deserialize)]
struct Context {
    #[serde(default)]
    id: Option<String>,
}

/// Parses a webhook body. Only `whatsapp_business_account` objects are
/// accepted; changes of other fields (account updates, templates) are
/// skipped, as are statuses of a kind we do not know.
pub fn parse_webhook(body: &[u8]) -> Result<Delivery, PayloadError> {
    let webhook: Webhook = serde_json::from_slice(body)
        .map_err(|e| PayloadError(format!("not a WhatsApp webhook: {e}")))?;
    if webhook.object != "whatsapp_business_account" {
        return Err(PayloadError(format!(
            "object {:?} is not whatsapp_business_account",
            webhook.object
        )));
    }
    let mut delivery = Delivery::default();
    for mut change in webhook.entry.into_iter().flat_map(|e| e.changes) {
        if change.field != "messages" {
            tracing::info!(field = %change.field, "skipping a webhook change that is not about messages");
            continue;
        }
        strip_controls(&mut change.value);
        let messaging_product = change.value.get("messaging_product").cloned();
        let metadata = change.value.get("metadata").cloned();
        let value = ChangeValue::deserialize(change.value)
            .map_err(|e| PayloadError(format!("malformed change value: {e}")))?;
        let account = value.metadata.phone_number_id.clone();
        // Each sender's contact, found once (not searched per message).
        let contacts: HashMap<String, (Option<String>, &Value)> = value
            .contacts
            .iter()
            .filter_map(|raw| {
                let contact = Contact::deserialize(raw).ok()?;
                let name = contact
                    .profile
                    .and_then(|p| p.name)
                    .filter(|n| !n.is_empty());
                Some((contact.wa_id, (name, raw)))
            })
            .collect();
        let first_contact = value.contacts.first();
        for raw in value.messages {
            let mut message = parse_message(&account, &raw)?;
            let contact = contacts
                .get(&message.chat)
                .map(|(name, raw)| (name.clone(), Some(*raw)))
                .unwrap_or_else(|| {
                    let raw = first_contact;
                    let name = raw
                        .and_then(|r| Contact::deserialize(r).ok())
                        .and_then(|c| c.profile?.name)
                        .filter(|n| !n.is_empty());
                    (name, raw)
                });
            message.customer.display_name = contact.0;
            message.raw = narrowed(
                messaging_product.as_ref(),
                metadata.as_ref(),
                contact.1,
                raw,
            );
            delivery.messages.push(message);
        }
        for status in value.statuses {
            delivery.taken.extend(taken(&status));
            if let Some(status) = parse_status(&account, status)? {
                delivery.statuses.push(status);
            }
        }
    }
    Ok(delivery)
}

/// The change value of a delivery of `message` alone: what the raw
/// `store.whatsapp.message.received` carries.
fn narrowed(
    messaging_product: Option<&Value>,
    metadata: Option<&Value>,
    contact: Option<&Value>,
    message: Value,
) -> Value {
    let mut value = Map::new();
    if let Some(product) = messaging_product {
        value.insert("messaging_product".to_owned(), product.clone());
    }
    if let Some(metadata) = metadata {
        value.insert("metadata".to_owned(), metadata.clone());
    }
    if let Some(contact) = contact {
        value.insert("contacts".to_owned(), Value::Array(vec![contact.clone()]));
    }
    value.insert("messages".to_owned(), Value::Array(vec![message]));
    Value::Object(value)
}

/// One message; its sender's name and its raw payload are filled in by
/// the caller.
fn parse_message(account: &str, raw: &Value) -> Result<InboundMessage, PayloadError> {
    let message =
        Message::deserialize(raw).map_err(|e| PayloadError(format!("malformed message: {e}")))?;
    if message.id.is_empty() || message.from.is_empty() {
        return Err(PayloadError(
            "a message has an empty id or sender".to_owned(),
        ));
    }
    let seconds = message
        .timestamp
        .parse::<i64>()
        .map_err(|_| PayloadError(format!("timestamp {:?} is not a number", message.timestamp)))?;
    let phone = message
        .from
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("+{}", message.from));
    Ok(InboundMessage {
        channel: Channel::Whatsapp,
        account: account.to_owned(),
        chat: message.from.clone(),
        dedup_key: message.id.clone(),
        channel_message_id: message.id.clone(),
        customer: Customer {
            id: message.from.clone(),
            display_name: None,
            phone,
            language: None,
        },
        sent_at: unix_time(seconds)?,
        content: content_of(&message, raw),
        reply_to: message
            .context
            .as_ref()
            .and_then(|c| c.id.clone())
            .filter(|id| !id.is_empty()),
        edited: false,
        raw: Value::Null,
    })
}

/// A string field of a JSON object, if present and not empty.
fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn unsupported(original_kind: &str, detail: Option<String>) -> MessageContent {
    MessageContent::Unsupported {
        original_kind: if original_kind.is_empty() {
            "unknown".to_owned()
        } else {
            original_kind.to_owned()
        },
        detail,
    }
}

fn content_of(message: &Message, raw: &Value) -> MessageContent {
    let kind = message.kind.as_str();
    let body = raw.get(kind).unwrap_or(&Value::Null);
    let error_detail = || {
        message.errors.first().map(|e| {
            e.error_data
                .as_ref()
                .and_then(|d| d.details.clone())
                .or_else(|| e.title.clone())
                .unwrap_or_else(|| format!("error {}", e.code))
        })
    };
    let mapped = match kind {
        "text" => text(body, "body").map(|text| MessageContent::Text { text }),
        "image" | "audio" | "video" | "document" | "sticker" => media(kind, body),
        "location" => location(body),
        "contacts" => shared_contacts(body),
        "interactive" => interactive(body),
        "button" => text(body, "payload").map(|reply_id| MessageContent::InteractiveReply {
            title: text(body, "text").unwrap_or_else(|| reply_id.clone()),
            reply_id,
            description: None,
        }),
        "reaction" => text(body, "message_id").map(|target| MessageContent::Reaction {
            emoji: text(body, "emoji"),
            target_message_id: target,
        }),
        "order" => Some(unsupported("order", order_detail(body))),
        "unsupported" => Some(unsupported(
            body.get("type")
                .and_then(Value::as_str)
                .unwrap_or("unsupported"),
            error_detail(),
        )),
        _ => None,
    };
    // A known kind whose object is missing or malformed is kept as
    // unsupported, so a human can still see it.
    mapped.unwrap_or_else(|| unsupported(kind, error_detail()))
}

fn media(kind: &str, body: &Value) -> Option<MessageContent> {
    let media_kind = match kind {
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "document" => MediaKind::Document,
        "sticker" => MediaKind::Sticker,
        _ if body.get("voice").and_then(Value::as_bool) == Some(true) => MediaKind::Voice,
        _ => MediaKind::Audio,
    };
    let media_id = text(body, "id")?;
    Some(MessageContent::Media {
        media_kind,
        media_id: Some(media_id),
        url: None,
        mime_type: text(body, "mime_type"),
        caption: text(body, "caption"),
        filename: text(body, "filename"),
    })
}

fn location(body: &Value) -> Option<MessageContent> {
    let latitude = body.get("latitude").and_then(Value::as_f64)?;
    let longitude = body.get("longitude").and_then(Value::as_f64)?;
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then(|| {
        MessageContent::Location {
            latitude,
            longitude,
            name: text(body, "name"),
            address: text(body, "address"),
        }
    })
}

fn shared_contacts(body: &Value) -> Option<MessageContent> {
    let contacts: Vec<SharedContact> = body
        .as_array()?
        .iter()
        .filter_map(|card| {
            let name = card.get("name")?;
            let formatted = text(name, "formatted_name").or_else(|| {
                let parts: Vec<String> = ["first_name", "last_name"]
                    .iter()
                    .filter_map(|k| text(name, k))
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })?;
            let phones = card
                .get("phones")
                .and_then(Value::as_array)
                .map(|phones| phones.iter().filter_map(|p| text(p, "phone")).collect())
                .unwrap_or_default();
            Some(SharedContact {
                name: formatted,
                phones,
            })
        })
        .collect();
    (!contacts.is_empty()).then_some(MessageContent::Contacts { contacts })
}

fn interactive(body: &Value) -> Option<MessageContent> {
    let kind = body.get("type").and_then(Value::as_str)?;
    match kind {
        "button_reply" | "list_reply" => {
            let reply = body.get(kind)?;
            let reply_id = text(reply, "id")?;
            Some(MessageContent::InteractiveReply {
                title: text(reply, "title").unwrap_or_else(|| reply_id.clone()),
                reply_id,
                description: text(reply, "description"),
            })
        }
        other => Some(unsupported(&format!("interactive.{other}"), None)),
    }
}

fn order_detail(body: &Value) -> Option<String> {
    let items = body.get("product_items")?.as_array()?;
    let lines: Vec<String> = items
        .iter()
        .map(|item| {
            let id = item
                .get("product_retailer_id")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            format!("{quantity} × {id}")
        })
        .collect();
    Some(format!(
        "order from a WhatsApp catalogue: {}",
        lines.join(", ")
    ))
}

#[cfg(test)]
#[path = "whatsapp_tests.rs"]
mod tests;
