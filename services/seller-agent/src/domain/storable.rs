//! Text PostgreSQL can store. It refuses the NUL character (U+0000) in
//! `text` and `jsonb` columns, so a shopper message holding one would fail
//! on every delivery and end in the dead letters, unanswered. NUL means
//! nothing in a chat message: it is dropped, every other character kept.
//! The seller's writes pass through here: a shopper's event as it arrives
//! (the conversations consumer, before anything is stored or read) and a
//! turn's reply, memory and brain state (`Seller::write_answer`), which a
//! model may fill with anything.

use std::borrow::Cow;

use cloudevents::{Data, Event};
use serde_json::Value;

use crate::llm::Message;

/// `text` without NUL characters (borrowed when it has none).
pub fn text(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', ""))
    } else {
        Cow::Borrowed(text)
    }
}

/// Drops NUL from every string (and object key) in `value`.
pub fn json(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Cow::Owned(clean) = text(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains('\0')) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (k.replace('\0', ""), v))
                    .collect();
            }
            map.values_mut().for_each(json);
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `event` with NUL dropped from its data (JSON or text); borrowed when its
/// data has none.
pub fn event(event: &Event) -> Cow<'_, Event> {
    let clean = match event.data() {
        Some(Data::Json(value)) if value.to_string().contains("\\u0000") => {
            let mut value = value.clone();
            json(&mut value);
            Data::Json(value)
        }
        Some(Data::String(s)) if s.contains('\0') => Data::String(s.replace('\0', "")),
        _ => return Cow::Borrowed(event),
    };
    let mut event = event.clone();
    event.set_data_unchecked(clean);
    Cow::Owned(event)
}

/// Drops NUL from the texts and tool-call arguments of `messages`.
pub fn messages(messages: &mut [Message]) {
    for message in messages {
        if let Cow::Owned(clean) = text(&message.content) {
            message.content = clean;
        }
        for call in &mut message.tool_calls {
            if let Cow::Owned(clean) = text(&call.arguments) {
                call.arguments = clean;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;
    use store_events::{
        EventContext, TenantId,
        data::{ChatResponse, Sender},
        new_event,
    };

    use super::*;

    #[test]
    fn nul_is_dropped_from_every_string_and_key_and_nothing_else_changes() {
        let mut value = json!({"a\u{0}": ["x\u{0}y", 1, null, {"b": "ok ✓ مرحبا 👍"}]});

        json(&mut value);

        assert_eq!(value, json!({"a": ["xy", 1, null, {"b": "ok ✓ مرحبا 👍"}]}));
        assert!(matches!(text("clean"), Cow::Borrowed("clean")));
    }

    #[test]
    fn an_events_data_loses_its_nul_and_keeps_its_id() {
        let response = ChatResponse {
            channel: store_events::data::Channel::Webchat,
            recipient: "c\u{0}1".into(),
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: Vec::new(),
        };
        let original = new_event(
            "/test",
            &EventContext::new(TenantId::parse("demo").unwrap()),
            &response,
        )
        .unwrap();

        let clean = event(&original);

        let data: ChatResponse = store_events::decode(&clean).unwrap();
        assert_eq!(data.recipient, "c1");
        assert_eq!(
            cloudevents::AttributesReader::id(clean.as_ref()),
            cloudevents::AttributesReader::id(&original)
        );
    }
}
