//! Property tests standing in for a fuzz target (`cargo fuzz` needs a
//! nightly compiler; CI has stable) for what the bus takes from outside the
//! process: any AMQP message a consumer may be handed, in binary or
//! structured mode, with any headers, content type and body, must decode to
//! an event or an error, and a decoded event's context and addressing must
//! read without a panic. `PROPTEST_CASES` sets the cases (default 256).
#![allow(clippy::unwrap_used)]

use lapin::{
    BasicProperties,
    types::{AMQPValue, ByteArray, FieldTable, LongString, ShortString},
};
use proptest::{collection::vec, prelude::*};

use super::from_amqp;

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    config
}

/// Header names a consumer reads, under every prefix it accepts, and noise.
fn name() -> impl Strategy<Value = String> {
    let attribute = prop_oneof![
        Just("specversion"),
        Just("id"),
        Just("source"),
        Just("type"),
        Just("time"),
        Just("subject"),
        Just("dataschema"),
        Just("datacontenttype"),
        Just("tenant"),
        Just("brand"),
        Just("conversation"),
        Just("traceparent"),
    ];
    let prefix = prop_oneof![
        Just("ce_"),
        Just("cloudEvents_"),
        Just("cloudEvents:"),
        Just("")
    ];
    prop_oneof![
        4 => (prefix, attribute).prop_map(|(p, a)| format!("{p}{a}")),
        1 => "[ -~]{0,12}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1.0".to_owned()),
        Just("0.3".to_owned()),
        Just("demo".to_owned()),
        Just("2026-12-04T10:00:00Z".to_owned()),
        Just("store.chat.message.new".to_owned()),
        "\\PC{0,16}",
        vec(any::<char>(), 0..12).prop_map(String::from_iter),
    ]
}

fn value() -> impl Strategy<Value = AMQPValue> {
    prop_oneof![
        6 => text().prop_map(|t| AMQPValue::LongString(LongString::from(t))),
        1 => any::<i64>().prop_map(AMQPValue::LongLongInt),
        1 => any::<bool>().prop_map(AMQPValue::Boolean),
        1 => vec(any::<u8>(), 0..16).prop_map(|b| AMQPValue::ByteArray(ByteArray::from(b))),
        1 => any::<u64>().prop_map(AMQPValue::Timestamp),
        1 => Just(AMQPValue::FieldTable(FieldTable::default())),
        1 => Just(AMQPValue::Void),
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some(
            "application/cloudevents+json; charset=utf-8".to_owned()
        )),
        Just(Some("application/cloudevents-batch+json".to_owned())),
        Just(Some("text/plain".to_owned())),
        "[ -~]{0,24}".prop_map(Some),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..64),
        Just(b"{}".to_vec()),
        Just(
            br#"{"specversion":"1.0","id":"1","source":"/x","type":"t","tenant":"demo"}"#.to_vec()
        ),
        Just(br#"{"specversion":"1.0","id":1,"source":[],"type":null}"#.to_vec()),
        Just("[".repeat(10_000).into_bytes()),
        Just(br#"{"text":"\u0000"}"#.to_vec()),
    ]
}

fn properties(headers: Vec<(String, AMQPValue)>, content_type: Option<String>) -> BasicProperties {
    let mut table = FieldTable::default();
    for (name, value) in headers {
        table.insert(ShortString::from(name), value);
    }
    let properties = BasicProperties::default().with_headers(table);
    match content_type {
        Some(ct) => properties.with_content_type(ShortString::from(ct)),
        None => properties,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_message_decodes_to_an_event_or_an_error(
        headers in vec((name(), value()), 0..14),
        content_type in content_type(),
        body in body(),
    ) {
        let properties = properties(headers, content_type);
        if let Ok(event) = from_amqp(&properties, &body) {
            // What a consumer reads next must not panic either.
            let _ = store_events::EventMeta::from_event(&event);
            let _ = crate::addressing::mismatch(Some("store.chat.message.new.demo"), &event);
            let _ = store_events::envelope::routing_key(&event);
        }
    }
}
