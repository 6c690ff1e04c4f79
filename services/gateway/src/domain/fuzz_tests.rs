//! Property tests standing in for fuzz targets (`cargo fuzz` needs a
//! nightly compiler, and CI has stable): every parser of outside input of
//! the gateway (WhatsApp webhooks, Telegram updates, web chat posts) is fed
//! arbitrary bytes, mutated real payloads and generated JSON of the right
//! shape with hostile leaves, and must answer a value or an error, never
//! panic. `PROPTEST_CASES` sets the cases per property (default 256, a few
//! seconds in all).
#![allow(clippy::unwrap_used)]

use proptest::{collection::vec, prelude::*, sample::Index};
use serde_json::{Value, json};

use super::{
    control::has_refused_control, telegram::parse_update, webchat::parse_post,
    whatsapp::parse_webhook,
};

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    config
}

/// Text with a bias to what breaks parsers: controls, NUL, surrogates'
/// neighbours, long runs.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        vec(any::<char>(), 0..24).prop_map(String::from_iter),
        vec(
            prop_oneof![
                Just('\0'),
                Just('\u{1b}'),
                Just('é'),
                Just('🙂'),
                Just('"'),
                Just('\\')
            ],
            0..8
        )
        .prop_map(String::from_iter),
        Just(String::new()),
        Just("9".repeat(40)),
    ]
}

/// Any JSON value, a few levels deep.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((text(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A field's value: mostly of a plausible kind, sometimes anything.
fn field() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => text().prop_map(Value::String),
        1 => any::<i64>().prop_map(Value::from),
        1 => json_value(),
    ]
    .boxed()
}

const WHATSAPP_KINDS: &[&str] = &[
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "unsupported",
    "system",
    "",
];

/// A WhatsApp webhook of the Cloud API's shape with hostile fields.
fn whatsapp_payload() -> impl Strategy<Value = Value> {
    let message = (field(), field(), field(), proptest::sample::select(WHATSAPP_KINDS), json_value(), json_value())
        .prop_map(|(from, id, timestamp, kind, body, context)| {
            json!({ "from": from, "id": id, "timestamp": timestamp, "type": kind, kind: body, "context": context })
        });
    let status = (field(), field(), field(), field(), json_value()).prop_map(|(id, status, timestamp, recipient, errors)| {
        json!({ "id": id, "status": status, "timestamp": timestamp, "recipient_id": recipient, "errors": errors })
    });
    (
        field(),
        vec(message, 0..4),
        vec(status, 0..3),
        vec((field(), field()), 0..3),
        any::<bool>(),
    )
        .prop_map(|(number, messages, statuses, contacts, messages_field)| {
            let contacts: Vec<Value> = contacts
                .into_iter()
                .map(|(wa_id, name)| json!({ "wa_id": wa_id, "profile": { "name": name } }))
                .collect();
            json!({
                "object": "whatsapp_business_account",
                "entry": [{ "id": "1", "changes": [{
                    "field": if messages_field { "messages" } else { "account_update" },
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": { "phone_number_id": number },
                        "contacts": contacts, "messages": messages, "statuses": statuses,
                    },
                }] }],
            })
        })
}

fn telegram_user() -> BoxedStrategy<Value> {
    (field(), field(), field(), field()).prop_map(|(id, first, last, language)| {
        json!({ "id": id, "is_bot": false, "first_name": first, "last_name": last, "language_code": language })
    })
    .boxed()
}

const TELEGRAM_KINDS: &[&str] = &[
    "text", "photo", "voice", "location", "contact", "venue", "document", "sticker",
];

fn telegram_message() -> BoxedStrategy<Value> {
    (field(), telegram_user(), field(), field(), json_value(), proptest::sample::select(TELEGRAM_KINDS))
        .prop_map(|(id, from, chat, date, body, kind)| {
            json!({ "message_id": id, "from": from, "chat": { "id": chat }, "date": date, kind: body })
        })
        .boxed()
}

/// A Telegram update of the Bot API's shape with hostile fields.
fn telegram_payload() -> impl Strategy<Value = Value> {
    (
        field(),
        proptest::option::of(telegram_message()),
        proptest::option::of(telegram_message()),
        proptest::option::of((field(), telegram_user(), telegram_message(), field())),
    )
        .prop_map(|(update_id, message, edited, callback)| {
            let mut update = json!({ "update_id": update_id });
            if let Some(m) = message {
                update["message"] = m;
            }
            if let Some(m) = edited {
                update["edited_message"] = m;
            }
            if let Some((id, from, message, data)) = callback {
                update["callback_query"] =
                    json!({ "id": id, "from": from, "message": message, "data": data });
            }
            update
        })
}

/// `base` with a few bytes overwritten, inserted or cut.
fn mutated(base: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    vec((any::<Index>(), any::<u8>(), 0..3u8), 1..6).prop_map(move |edits| {
        let mut bytes = base.to_vec();
        for (at, byte, how) in edits {
            let i = at.index(bytes.len().max(1));
            match how {
                0 if !bytes.is_empty() => {
                    let last = bytes.len() - 1;
                    bytes[i.min(last)] = byte;
                }
                1 => bytes.insert(i.min(bytes.len()), byte),
                _ => bytes.truncate(i),
            }
        }
        bytes
    })
}

const WHATSAPP_FIXTURE: &[u8] = include_bytes!("../../../../fixtures/whatsapp/text.json");
const TELEGRAM_FIXTURE: &[u8] = include_bytes!("../../../../fixtures/telegram/text.json");

/// What every parsed WhatsApp delivery holds.
fn check_delivery(body: &[u8]) {
    if let Ok(delivery) = parse_webhook(body) {
        for message in &delivery.messages {
            assert!(!message.dedup_key.is_empty() && !message.chat.is_empty());
            assert_eq!(message.raw["messages"].as_array().map(Vec::len), Some(1));
            assert!(!has_refused_control(
                &message.raw.to_string().replace("\\u0000", "\0")
            ));
        }
    }
}

fn check_update(body: &[u8]) {
    if let Ok(Some(message)) = parse_update("7000000001", body) {
        assert!(message.dedup_key.starts_with("7000000001:"));
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn whatsapp_arbitrary_bytes_never_panic(body in vec(any::<u8>(), 0..512)) {
        check_delivery(&body);
    }

    #[test]
    fn whatsapp_mutated_fixtures_never_panic(body in mutated(WHATSAPP_FIXTURE)) {
        check_delivery(&body);
    }

    #[test]
    fn whatsapp_generated_payloads_never_panic(payload in whatsapp_payload()) {
        check_delivery(&serde_json::to_vec(&payload).unwrap());
    }

    #[test]
    fn telegram_arbitrary_bytes_never_panic(body in vec(any::<u8>(), 0..512)) {
        check_update(&body);
    }

    #[test]
    fn telegram_mutated_fixtures_never_panic(body in mutated(TELEGRAM_FIXTURE)) {
        check_update(&body);
    }

    #[test]
    fn telegram_generated_updates_never_panic(update in telegram_payload()) {
        check_update(&serde_json::to_vec(&update).unwrap());
    }

    #[test]
    fn web_chat_posts_never_panic_and_accepted_text_is_clean(
        body in prop_oneof![
            vec(any::<u8>(), 0..256),
            (proptest::option::of(field()), proptest::option::of(json_value()), proptest::option::of(field()))
                .prop_map(|(text, reply, id)| serde_json::to_vec(&json!({ "text": text, "reply": reply, "client_message_id": id })).unwrap()),
            (text(), text(), text()).prop_map(|(id, title, client)| {
                serde_json::to_vec(&json!({ "reply": { "id": id, "title": title }, "client_message_id": client })).unwrap()
            }),
        ]
    ) {
        if let Ok(post) = parse_post(&body) {
            let shown = match &post.input {
                super::webchat::ShopperInput::Text(text) => text.clone(),
                super::webchat::ShopperInput::Pick(pick) => format!("{}{}", pick.id, pick.title),
            };
            prop_assert!(!shown.is_empty() && !has_refused_control(&shown));
        }
    }
}
