//! Unit tests of the AMQP binding: what we write and everything we accept.
#![allow(clippy::unwrap_used)]

use cloudevents::{AttributesReader, EventBuilder, EventBuilderV10};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use serde_json::json;

use super::*;

fn sample() -> Event {
    EventBuilderV10::new()
        .id("0192f3c4-aaaa-7bbb-8ccc-000000000001")
        .ty("store.chat.message.new")
        .source("/agent-store/gateway")
        .subject("conversation-1")
        .time("2026-11-23T10:00:00.123456Z")
        .data_with_schema(
            "application/json",
            "https://agent-store.dev/schemas/store.chat.message.new.v1.json",
            json!({"text": "hola", "n": 2}),
        )
        .extension("tenant", "demo")
        .extension("brand", "fashion")
        .extension(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .build()
        .unwrap()
}

fn header(props: &BasicProperties, name: &str) -> Option<String> {
    props
        .headers()
        .as_ref()?
        .inner()
        .get(name)
        .map(|v| match v {
            AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            other => format!("{other:?}"),
        })
}

fn props_with(headers: &[(&str, AMQPValue)], content_type: Option<&str>) -> BasicProperties {
    let mut table = FieldTable::default();
    for (k, v) in headers {
        table.insert(ShortString::from(*k), v.clone());
    }
    let mut props = BasicProperties::default().with_headers(table);
    if let Some(ct) = content_type {
        props = props.with_content_type(ct.into());
    }
    props
}

fn s(v: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(v))
}

#[test]
fn binary_mode_writes_ce_headers_content_type_and_message_properties() {
    let message = to_amqp(sample()).unwrap();
    let p = &message.properties;
    assert_eq!(header(p, "ce-specversion").as_deref(), Some("1.0"));
    assert_eq!(
        header(p, "ce-id").as_deref(),
        Some("0192f3c4-aaaa-7bbb-8ccc-000000000001")
    );
    assert_eq!(
        header(p, "ce-type").as_deref(),
        Some("store.chat.message.new")
    );
    assert_eq!(
        header(p, "ce-source").as_deref(),
        Some("/agent-store/gateway")
    );
    assert_eq!(
        header(p, "ce-time").as_deref(),
        Some("2026-11-23T10:00:00.123456Z")
    );
    assert_eq!(header(p, "ce-tenant").as_deref(), Some("demo"));
    assert_eq!(header(p, "ce-brand").as_deref(), Some("fashion"));
    assert!(
        header(p, "ce-datacontenttype").is_none(),
        "datacontenttype goes in content_type"
    );
    assert_eq!(
        p.content_type().as_ref().unwrap().as_str(),
        "application/json"
    );
    assert_eq!(
        p.message_id().as_ref().unwrap().as_str(),
        "0192f3c4-aaaa-7bbb-8ccc-000000000001"
    );
    assert_eq!(*p.delivery_mode(), Some(PERSISTENT));
    let body: serde_json::Value = serde_json::from_slice(&message.body).unwrap();
    assert_eq!(body, json!({"text": "hola", "n": 2}));
}

#[test]
fn round_trip_keeps_every_attribute_and_extension() {
    let event = sample();
    let message = to_amqp(event.clone()).unwrap();
    let back = from_amqp(&message.properties, &message.body).unwrap();
    assert_eq!(back, event);
}

#[test]
fn accepts_underscore_prefix_amqp10_prefixes_and_unprefixed_headers() {
    for prefix in ["ce_", "cloudEvents_", "cloudEvents:", ""] {
        let props = props_with(
            &[
                (&format!("{prefix}specversion"), s("1.0")),
                (&format!("{prefix}id"), s("42")),
                (&format!("{prefix}type"), s("store.sales.resolved")),
                (&format!("{prefix}source"), s("/python")),
                (&format!("{prefix}tenant"), s("bakery")),
                // Broker and bus headers must never become extensions.
                ("x-death", AMQPValue::Boolean(true)),
                ("x-attempt", AMQPValue::LongUInt(2)),
            ],
            Some("application/json"),
        );
        let event = from_amqp(&props, br#"{"ok":true}"#).unwrap();
        assert_eq!(event.id(), "42", "prefix {prefix:?}");
        assert_eq!(event.ty(), "store.sales.resolved");
        assert_eq!(event.extension("tenant").unwrap().to_string(), "bakery");
        assert!(event.extension("death").is_none() && event.extension("attempt").is_none());
        assert_eq!(event.data(), Some(&Data::Json(json!({"ok": true}))));
    }
}

#[test]
fn accepts_non_string_header_types() {
    let props = props_with(
        &[
            ("ce-specversion", AMQPValue::ShortString("1.0".into())),
            ("ce-id", AMQPValue::ByteArray(b"7".to_vec().into())),
            ("ce-type", s("t")),
            ("ce-source", s("/s")),
            ("ce-priority", AMQPValue::LongInt(5)),
            ("ce-urgent", AMQPValue::Boolean(true)),
        ],
        None,
    );
    let event = from_amqp(&props, b"").unwrap();
    assert_eq!(event.id(), "7");
    assert_eq!(event.extension("priority").unwrap().to_string(), "5");
    assert_eq!(event.extension("urgent").unwrap().to_string(), "true");
    assert!(event.data().is_none());
}

#[test]
fn accepts_structured_mode() {
    let event = sample();
    let body = serde_json::to_vec(&event).unwrap();
    let props = props_with(&[], Some("application/cloudevents+json; charset=utf-8"));
    assert_eq!(from_amqp(&props, &body).unwrap(), event);
}

#[test]
fn refuses_what_is_not_a_cloud_event() {
    let props = props_with(&[("x-whatever", s("1"))], Some("application/json"));
    assert!(matches!(
        from_amqp(&props, b"{}"),
        Err(BindingError::NotACloudEvent)
    ));
    let batch = props_with(&[], Some("application/cloudevents-batch+json"));
    assert!(matches!(
        from_amqp(&batch, b"[]"),
        Err(BindingError::Batch(_))
    ));
}

#[test]
fn refuses_json_content_type_with_invalid_body() {
    let message = to_amqp(sample()).unwrap();
    let err = from_amqp(&message.properties, b"{not json").unwrap_err();
    assert!(matches!(err, BindingError::InvalidJson(_)));
}
