//! Interoperability with the official CloudEvents Python SDK's RabbitMQ
//! binding (`cloudevents.core.bindings.rabbitmq`), through the real broker,
//! in both directions and in both content modes.
//!
//! Needs the Python peer's environment: `scripts/setup-python.sh` creates it
//! (CI runs it); `INTEROP_PYTHON` overrides the interpreter.
#![allow(clippy::unwrap_used)]

use std::{path::PathBuf, process::Command, time::Duration};

use cloudevents::{AttributesReader, Data};
use lapin::{
    Connection, ConnectionProperties,
    options::{QueueBindOptions, QueueDeclareOptions},
    types::FieldTable,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use store_bus::{Bus, BusConfig, ConsumerConfig, Handler, HandlerError, Incoming};
use store_events::{BrandId, ConversationId, EventContext, EventData, TenantId, new_event};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Note {
    text: String,
    qty: u32,
}

impl EventData for Note {
    const TYPE: &'static str = "store.test.note";
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> PathBuf {
    std::env::var_os("INTEROP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv-interop/bin/python"))
}

/// Runs the Python peer; fails the test with its stderr when it fails.
async fn peer(args: Vec<String>) -> String {
    let python = python();
    assert!(
        python.exists(),
        "{} not found: run scripts/setup-python.sh first",
        python.display()
    );
    let script = root().join("tests/interop/python/ce_peer.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "python peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn bus(service: &str) -> Bus {
    let config = BusConfig::new(service, SecretString::from(store_testkit::amqp_url()))
        .with_exchange(format!("{service}.events"));
    Bus::connect(config, Metrics::new(service).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn python_reads_what_rust_publishes() {
    let service = store_testkit::unique("interop-r2p");
    let bus = bus(&service).await;
    let queue = format!("{service}.python");
    // The Python side's queue, bound like any consumer's.
    let conn = Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.as_str().into(),
            bus.config().exchange.as_str().into(),
            "store.test.note.#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let context = EventContext {
        correlation_id: Some("corr-9".into()),
        causation_id: Some("cause-9".into()),
        ..EventContext::new(TenantId::parse("demo").unwrap())
            .with_brand(BrandId::parse("tech").unwrap())
            .with_conversation(ConversationId::parse("tg:100200").unwrap())
            .with_subject("order-1")
    };
    let event = new_event(
        "/agent-store/test",
        &context,
        &Note {
            text: "¡hola!".into(),
            qty: 2,
        },
    )
    .unwrap();

    bus.publish(event.clone()).await.unwrap();
    let out = peer(vec![
        "receive".into(),
        "--url".into(),
        store_testkit::amqp_url(),
        "--queue".into(),
        queue.clone(),
    ])
    .await;
    let seen: Value = serde_json::from_str(&out).unwrap();
    let attrs = &seen["attributes"];

    assert_eq!(attrs["id"], event.id());
    assert_eq!(attrs["type"], "store.test.note");
    assert_eq!(attrs["source"], "/agent-store/test");
    assert_eq!(attrs["specversion"], "1.0");
    assert_eq!(attrs["subject"], "order-1");
    assert_eq!(attrs["datacontenttype"], "application/json");
    assert_eq!(attrs["dataschema"], Note::dataschema());
    assert_eq!(attrs["tenant"], "demo");
    assert_eq!(attrs["brand"], "tech");
    assert_eq!(attrs["conversation"], "tg:100200");
    assert_eq!(attrs["correlationid"], "corr-9");
    assert_eq!(attrs["causationid"], "cause-9");
    let time = chrono::DateTime::parse_from_rfc3339(attrs["time"].as_str().unwrap()).unwrap();
    assert_eq!(
        time.timestamp_micros(),
        event.time().unwrap().timestamp_micros()
    );
    assert_eq!(seen["data"], json!({"text": "¡hola!", "qty": 2}));
    assert_eq!(seen["amqp"]["content_type"], "application/json");
    assert_eq!(seen["amqp"]["message_id"], event.id());
    assert_eq!(seen["amqp"]["delivery_mode"], 2);
    assert!(seen["amqp"]["headers"].get("ce-datacontenttype").is_none());
    let _ = conn.close(200, "done".into()).await;
}

struct Capture(mpsc::UnboundedSender<Incoming>);

#[async_trait::async_trait]
impl Handler for Capture {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let _ = self.0.send(incoming.clone());
        Ok(())
    }
}

async fn python_to_rust(mode: &str) {
    let service = store_testkit::unique(&format!("interop-p2r-{mode}"));
    let bus = bus(&service).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let consumer = bus
        .consume(
            ConsumerConfig::new(format!("{service}.rust"), ["store.test.note.#"])
                .with_retry_delays([Duration::from_millis(100)]),
            Capture(tx),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let attrs = json!({
        "specversion": "1.0",
        "id": format!("py-{mode}-1"),
        "type": "store.test.note",
        "source": "/python/peer",
        "subject": "order-2",
        "time": "2026-11-23T10:11:12.345678Z",
        "datacontenttype": "application/json",
        "dataschema": "https://agent-store.dev/schemas/store.test.note.v1.json",
        "tenant": "bakery",
        "brand": "bread",
        "conversation": "wa:123",
        "correlationid": "corr-py",
        "causationid": "cause-py",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    });

    peer(vec![
        "publish".into(),
        "--url".into(),
        store_testkit::amqp_url(),
        "--exchange".into(),
        bus.config().exchange.clone(),
        "--routing-key".into(),
        "store.test.note.bakery.bread".into(),
        "--mode".into(),
        mode.into(),
        "--attrs".into(),
        attrs.to_string(),
        "--data".into(),
        json!({"text": "pan", "qty": 3}).to_string(),
    ])
    .await;
    let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the Rust consumer got nothing")
        .unwrap();
    let event = got.event;

    assert_eq!(event.id(), format!("py-{mode}-1"));
    assert_eq!(event.ty(), "store.test.note");
    assert_eq!(event.source().to_string(), "/python/peer");
    assert_eq!(event.subject(), Some("order-2"));
    assert_eq!(event.datacontenttype(), Some("application/json"));
    assert_eq!(
        event.dataschema().unwrap().as_str(),
        attrs["dataschema"].as_str().unwrap()
    );
    assert_eq!(
        event.time().unwrap().to_rfc3339(),
        "2026-11-23T10:11:12.345678+00:00"
    );
    for name in [
        "tenant",
        "brand",
        "conversation",
        "correlationid",
        "causationid",
        "traceparent",
    ] {
        assert_eq!(
            event.extension(name).map(ToString::to_string).as_deref(),
            attrs[name].as_str(),
            "extension {name}"
        );
    }
    assert_eq!(
        event.data(),
        Some(&Data::Json(json!({"text": "pan", "qty": 3})))
    );
    let meta = store_events::EventMeta::from_event(&event).unwrap();
    assert_eq!(meta.tenant.as_str(), "bakery");
    consumer.shutdown().await;
}

#[tokio::test]
async fn rust_reads_what_python_publishes_in_binary_mode() {
    python_to_rust("binary").await;
}

#[tokio::test]
async fn rust_reads_what_python_publishes_in_structured_mode() {
    python_to_rust("structured").await;
}
