//! The Rust structs and the JSON Schemas in `proto-events/schemas` agree:
//! every type has a schema and samples, every sample validates, and the
//! schemas refuse what the contracts forbid.

use std::{collections::BTreeSet, path::Path};

use cloudevents::{AttributesReader, AttributesWriter, Data};
use serde_json::{Value, json};
use store_events::{
    Event, EventData,
    catalog::{self, ALL},
    data::{
        ChatDelivery, ChatMessageNew, ChatResponse, OrderCancelResult, OrderCreate, OrderCreated,
        OrderStatusChanged, ProductQuery, SalesClaimed, SalesDraft, SalesDraftResult,
        WhatsAppMessageStatus,
    },
    envelope::SCHEMA_BASE,
    validation::{SCHEMAS, SchemaViolation, schema_for, validate},
};

use crate::samples;

fn schema_dir() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto-events/schemas"
    ))
}

/// An event of type `D` whose data is `data`, whatever `data` holds (built
/// from a valid sample, then its data replaced).
fn raw_event<D: EventData>(data: Value) -> Event {
    let samples = samples::all();
    let (_, event) = &samples[D::TYPE][0];
    let mut event = event.clone();
    event.set_data("application/json", data);
    event
}

fn samples_data(ty: &str) -> Value {
    match samples::all()[ty][0].1.data() {
        Some(Data::Json(value)) => value.clone(),
        other => panic!("{ty} sample has data {other:?}"),
    }
}

fn violations(result: Result<(), SchemaViolation>) -> Vec<String> {
    match result {
        Err(SchemaViolation::Invalid { errors, .. }) => errors,
        other => panic!("expected violations, got {other:?}"),
    }
}

#[test]
fn every_sample_validates_against_its_schema() {
    let mut failures = Vec::new();
    for (ty, samples) in samples::all() {
        for (label, event) in samples {
            if let Err(e) = validate(&event) {
                failures.push(format!("{ty} / {label}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_type_has_samples_and_every_sample_a_type() {
    let samples = samples::all();
    let known: BTreeSet<_> = ALL.iter().map(|t| t.ty).collect();
    let sampled: BTreeSet<_> = samples.keys().copied().collect();
    assert_eq!(sampled, known, "samples and catalog::ALL differ");
    assert!(samples.values().all(|s| !s.is_empty()));
}

#[test]
fn every_type_has_a_schema_and_every_schema_a_type() {
    let embedded: BTreeSet<String> = SCHEMAS
        .iter()
        .filter(|s| s.ty.is_some())
        .map(|s| s.file.to_owned())
        .collect();
    let catalogued: BTreeSet<String> = ALL.iter().map(catalog::EventType::schema_file).collect();
    assert_eq!(
        embedded, catalogued,
        "embedded schemas and catalog::ALL differ"
    );

    let shared: BTreeSet<String> = SCHEMAS
        .iter()
        .filter(|s| s.ty.is_none())
        .map(|s| s.file.to_owned())
        .collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(schema_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected: BTreeSet<String> = catalogued.union(&shared).cloned().collect();
    assert_eq!(
        on_disk, expected,
        "files in proto-events/schemas and catalog::ALL differ"
    );
}

#[test]
fn every_schema_is_draft_2020_12_with_its_dataschema_as_id() {
    for file in SCHEMAS {
        let schema: Value = serde_json::from_str(file.json).unwrap();
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{}",
            file.file
        );
        assert_eq!(
            schema["$id"],
            format!("{SCHEMA_BASE}/{}", file.file),
            "{}",
            file.file
        );
        assert!(
            schema["title"].is_string() && schema["description"].is_string(),
            "{}",
            file.file
        );
        assert!(
            jsonschema::meta::is_valid(&schema),
            "{} is not a valid schema",
            file.file
        );
        if let Some(ty) = file.ty {
            let known = catalog::find(ty).unwrap();
            assert_eq!(file.uri(), known.dataschema());
            // The top level stays open for additive changes (see data/mod.rs).
            assert_eq!(schema["additionalProperties"], true, "{}", file.file);
        }
    }
}

#[test]
fn an_order_item_with_a_price_is_refused() {
    let event = raw_event::<OrderCreate>(json!({
        "customer": {"id": "c1"},
        "items": [{"product_id": "p1", "quantity": 1, "unit_price": {"amount_minor": 1, "currency": "BRL"}}]
    }));
    let errors = violations(validate(&event));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/items/0") && e.contains("unit_price")),
        "{errors:?}"
    );
}

#[test]
fn a_quantity_of_zero_is_refused() {
    let event = raw_event::<OrderCreate>(
        json!({"customer": {"id": "c1"}, "items": [{"product_id": "p1", "quantity": 0}]}),
    );
    let errors = violations(validate(&event));
    assert!(
        errors.iter().any(|e| e.starts_with("/items/0/quantity")),
        "{errors:?}"
    );
}

#[test]
fn an_empty_order_is_refused() {
    let event = raw_event::<OrderCreate>(json!({"customer": {"id": "c1"}, "items": []}));
    let errors = violations(validate(&event));
    assert!(errors.iter().any(|e| e.starts_with("/items")), "{errors:?}");
}

#[test]
fn a_bad_currency_is_refused() {
    for currency in ["brl", "REAL", "R$", ""] {
        let mut data = samples_data("store.order.created");
        data["total"]["currency"] = json!(currency);
        let event = raw_event::<OrderCreated>(data);
        let errors = violations(validate(&event));
        assert!(
            errors.iter().any(|e| e.starts_with("/total/currency")),
            "{currency}: {errors:?}"
        );
    }
}

#[test]
fn missing_required_fields_are_each_reported() {
    let event = raw_event::<OrderStatusChanged>(json!({"order_id": "o1"}));
    let errors = violations(validate(&event)).join("\n");
    for field in ["order_number", "from", "to", "changed_at"] {
        assert!(
            errors.contains(&format!("\"{field}\" is a required property")),
            "{field}: {errors}"
        );
    }
}

#[test]
fn unknown_content_kinds_and_extra_nested_fields_are_refused() {
    let base = samples_data("store.chat.message.new");
    let mut unknown_kind = base.clone();
    unknown_kind["content"] = json!({"kind": "hologram"});
    let mut extra = base.clone();
    extra["content"] = json!({"kind": "text", "text": "hi", "price": 1});
    let mut open_top = base;
    open_top["added_in_a_later_minor"] = json!(true);
    assert!(validate(&raw_event::<ChatMessageNew>(unknown_kind)).is_err());
    assert!(validate(&raw_event::<ChatMessageNew>(extra)).is_err());
    assert!(validate(&raw_event::<ChatMessageNew>(open_top)).is_ok());
}

#[test]
fn the_inbox_events_refuse_what_their_contracts_forbid() {
    let mut draft = samples_data("store.sales.draft");
    draft["messages"][0]["seen_by"] = json!("Bruno");
    let errors = violations(validate(&raw_event::<SalesDraft>(draft)));
    assert!(
        errors.iter().any(|e| e.starts_with("/messages/0")),
        "{errors:?}"
    );

    let unknown_source = json!({"text": "Hi!", "source": "intern"});
    let empty_text = json!({"text": "", "source": "llm"});
    assert!(validate(&raw_event::<SalesDraftResult>(unknown_source)).is_err());
    assert!(validate(&raw_event::<SalesDraftResult>(empty_text)).is_err());

    let anonymous_claim = json!({"agent_name": "Bruno"});
    let errors = violations(validate(&raw_event::<SalesClaimed>(anonymous_claim)));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"agent\" is a required property")),
        "{errors:?}"
    );

    let delivered = json!({"response_id": "r1", "channel": "whatsapp", "status": "delivered"});
    assert!(validate(&raw_event::<ChatDelivery>(delivered)).is_err());

    let refunded = json!({"order_number": "FA-1", "outcome": "refunded"});
    assert!(validate(&raw_event::<OrderCancelResult>(refunded)).is_err());
}

#[test]
fn bad_formats_and_bounds_are_refused() {
    let mut status = samples_data("store.whatsapp.message.status");
    status["timestamp"] = json!("yesterday");
    let errors = violations(validate(&raw_event::<WhatsAppMessageStatus>(status)));
    assert!(
        errors.iter().any(|e| e.starts_with("/timestamp")),
        "{errors:?}"
    );

    let errors = violations(validate(&raw_event::<ProductQuery>(json!({"limit": 0}))));
    assert!(errors.iter().any(|e| e.starts_with("/limit")), "{errors:?}");
}

#[test]
fn too_many_buttons_are_refused() {
    let buttons: Vec<Value> = (0..4)
        .map(|i| json!({"id": format!("b{i}"), "title": "x"}))
        .collect();
    let data = json!({
        "channel": "whatsapp", "recipient": "c1", "sender": "ai",
        "parts": [{"kind": "buttons", "text": "pick", "buttons": buttons}]
    });
    assert!(validate(&raw_event::<ChatResponse>(data)).is_err());
}

#[test]
fn product_cards_refuse_a_card_without_a_price_or_with_a_stray_field() {
    let part = |card: Value| {
        json!({
            "channel": "whatsapp", "recipient": "c1", "sender": "ai",
            "parts": [{"kind": "product_cards", "text": "found", "button_label": "See",
                       "pick_label": "Pick", "cards": [card]}]
        })
    };
    let good = json!({"pick_id": "pick:1", "title": "Tee", "price_display": "R$ 1,00",
                      "image_url": "https://c.example/images/T.svg"});
    let mut priceless = good.clone();
    priceless.as_object_mut().unwrap().remove("price_display");
    let mut stray = good.clone();
    stray["price_minor"] = json!(100);

    assert!(validate(&raw_event::<ChatResponse>(part(good))).is_ok());
    assert!(validate(&raw_event::<ChatResponse>(part(priceless))).is_err());
    assert!(validate(&raw_event::<ChatResponse>(part(stray))).is_err());
}

#[test]
fn an_unknown_type_has_no_schema() {
    let mut event = raw_event::<ProductQuery>(json!({}));
    event.set_type("store.teleport.requested");
    let err = validate(&event).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no schema for type store.teleport.requested"
    );
    assert!(schema_for("store.teleport.requested").is_none());
}

#[test]
fn a_foreign_dataschema_is_refused() {
    let mut event = raw_event::<ProductQuery>(json!({}));
    event.set_dataschema(Some(
        url::Url::parse(&format!("{SCHEMA_BASE}/store.product.query.v9.json")).unwrap(),
    ));
    assert!(matches!(
        validate(&event),
        Err(SchemaViolation::UnknownDataschema { .. })
    ));
}

#[test]
fn the_violation_message_lists_each_violation() {
    let event = raw_event::<OrderCreate>(json!({"items": [{"product_id": "p1", "quantity": 0}]}));
    let message = validate(&event).unwrap_err().to_string();
    assert!(message.starts_with(&format!(
        "event {} of type store.order.create violates store.order.create.v1.json:",
        event.id()
    )));
    assert!(
        message
            .lines()
            .filter(|line| line.starts_with("  - "))
            .count()
            >= 2,
        "{message}"
    );
}

#[test]
fn a_variant_is_checked_by_its_kind() {
    let mut data = samples_data("store.chat.message.new");
    data["content"] = json!({"kind": "location", "latitude": 91.0});
    let errors = violations(validate(&raw_event::<ChatMessageNew>(data)));
    assert!(
        errors.iter().any(|e| e.starts_with("/content/latitude")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e == "/content: \"longitude\" is a required property"),
        "{errors:?}"
    );
}

#[test]
fn data_in_bytes_or_text_is_checked_too() {
    let data = samples_data("store.order.create");
    let bytes = serde_json::to_vec(&data).unwrap();
    let mut event = raw_event::<OrderCreate>(json!({}));
    event.set_data("application/json", bytes);
    assert_eq!(validate(&event), Ok(()));
    event.set_data("application/json", serde_json::to_string(&data).unwrap());
    assert_eq!(validate(&event), Ok(()));
    event.set_data("application/json", b"{not json".to_vec());
    assert!(matches!(
        validate(&event),
        Err(SchemaViolation::NotJson { .. })
    ));
}
