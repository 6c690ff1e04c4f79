//! Building events and reading them back: typed data round-trips, the
//! attributes and extensions are set, and causality is carried along.

use chrono::{TimeZone, Utc};
use store_events::{
    AttributesReader, BrandId, ConversationId, DecodeError, EventContext, EventData, EventMeta,
    TenantId,
    data::{Channel, ChatMessageNew, Customer, MessageContent, ProductQuery, ProductQueryResult},
    decode,
    envelope::{routing_key, string_extension},
    ext, new_event,
};
use uuid::Uuid;

fn context() -> EventContext {
    EventContext::new(TenantId::parse("acme").unwrap())
        .with_brand(BrandId::parse("fashion").unwrap())
        .with_conversation(ConversationId::parse("wa:5511999990000").unwrap())
}

fn message() -> ChatMessageNew {
    ChatMessageNew {
        message_id: "m1".into(),
        channel: Channel::Whatsapp,
        channel_message_id: "wamid.1".into(),
        customer: Customer::new("5511999990000"),
        sent_at: Utc.with_ymd_and_hms(2025, 3, 14, 15, 9, 26).unwrap(),
        content: MessageContent::Text { text: "oi".into() },
        reply_to: None,
        edited: false,
    }
}

#[test]
fn data_round_trips_through_an_event() {
    let event = new_event("/agent-store/gateway", &context(), &message()).unwrap();
    let back: ChatMessageNew = decode(&event).unwrap();
    assert_eq!(back, message());
}

#[test]
fn the_event_carries_type_schema_id_and_context() {
    let event = new_event(
        "/agent-store/gateway",
        &context().with_subject("m1"),
        &message(),
    )
    .unwrap();

    assert_eq!(event.ty(), "store.chat.message.new");
    assert_eq!(
        event.dataschema().unwrap().as_str(),
        ChatMessageNew::dataschema()
    );
    assert_eq!(
        event.dataschema().unwrap().as_str(),
        "https://agent-store.dev/schemas/store.chat.message.new.v1.json"
    );
    assert_eq!(event.datacontenttype(), Some("application/json"));
    assert_eq!(event.subject(), Some("m1"));
    assert!(event.time().is_some());
    assert_eq!(Uuid::parse_str(event.id()).unwrap().get_version_num(), 7);
    // The first event of an exchange correlates to itself and has no cause.
    assert_eq!(
        string_extension(&event, ext::CORRELATION_ID).as_deref(),
        Some(event.id())
    );
    assert_eq!(string_extension(&event, ext::CAUSATION_ID), None);

    let meta = EventMeta::from_event(&event).unwrap();
    assert_eq!(meta.tenant.as_str(), "acme");
    assert_eq!(meta.brand.unwrap().as_str(), "fashion");
    assert_eq!(meta.conversation.unwrap().as_str(), "wa:5511999990000");
    assert_eq!(routing_key(&event), "store.chat.message.new.acme.fashion");
}

#[test]
fn a_reply_keeps_the_context_and_points_back_to_its_cause() {
    let message = new_event("/agent-store/gateway", &context(), &message()).unwrap();
    let query_context = EventContext::caused_by(&message).unwrap();
    let query = new_event(
        "/agent-store/seller-agent",
        &query_context,
        &ProductQuery::text("vestido"),
    )
    .unwrap();
    let reply_context = EventContext::caused_by(&query).unwrap();
    let reply = ProductQueryResult {
        products: vec![],
        total: 0,
        error: None,
    };
    let reply = new_event("/agent-store/catalog", &reply_context, &reply).unwrap();

    assert_eq!(query_context.tenant, context().tenant);
    assert_eq!(query_context.brand, context().brand);
    assert_eq!(query_context.conversation, context().conversation);
    assert_eq!(query_context.subject, None);
    for (event, cause) in [(&query, &message), (&reply, &query)] {
        assert_eq!(
            string_extension(event, ext::CAUSATION_ID).as_deref(),
            Some(cause.id())
        );
        // The whole exchange shares the first event's correlation id.
        assert_eq!(
            string_extension(event, ext::CORRELATION_ID).as_deref(),
            Some(message.id())
        );
        assert_eq!(
            EventMeta::from_event(event).unwrap().tenant.as_str(),
            "acme"
        );
    }
    assert_eq!(
        routing_key(&reply),
        "store.product.query.result.acme.fashion"
    );
}

#[test]
fn an_event_without_brand_routes_by_tenant_only() {
    let context = EventContext::new(TenantId::parse("acme").unwrap());
    let event = new_event(
        "/agent-store/seller-agent",
        &context,
        &ProductQuery::text("x"),
    )
    .unwrap();
    assert_eq!(routing_key(&event), "store.product.query.acme");
    assert_eq!(EventMeta::from_event(&event).unwrap().brand, None);
}

#[test]
fn decoding_as_another_type_is_refused() {
    let event = new_event("/agent-store/gateway", &context(), &message()).unwrap();
    let err = decode::<ProductQuery>(&event).unwrap_err();
    assert!(matches!(
        err,
        DecodeError::WrongType {
            expected: "store.product.query",
            ..
        }
    ));
}

#[test]
fn unknown_top_level_fields_are_ignored_when_decoding() {
    let mut event = new_event("/agent-store/gateway", &context(), &message()).unwrap();
    let mut data = serde_json::to_value(message()).unwrap();
    data["added_later"] = serde_json::json!({"x": 1});
    event.set_data("application/json", data);
    assert_eq!(decode::<ChatMessageNew>(&event).unwrap(), message());
}

#[test]
fn defaults_fill_what_a_producer_left_out() {
    let query: ProductQuery = serde_json::from_str("{}").unwrap();
    assert_eq!(query.limit, 10);
    let mut data = serde_json::to_value(message()).unwrap();
    data.as_object_mut().unwrap().remove("edited");
    let back: ChatMessageNew = serde_json::from_value(data).unwrap();
    assert!(!back.edited);
}
