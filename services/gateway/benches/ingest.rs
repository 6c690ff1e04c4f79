//! Webhook ingestion benchmark: requests per second and latency percentiles
//! of signed WhatsApp webhooks through the real gateway (signature check,
//! parsing, deduplication in PostgreSQL, raw + normalised events published
//! with confirms), beside a bare axum + lapin handler that only publishes the
//! body with a confirm, in the same run on the same machine. A second bare
//! handler publishes the body twice (the raw event's key and the sellers'),
//! both confirmed before it answers: the broker work the gateway's contract
//! asks of a webhook and nothing else, the ceiling for a path that must
//! publish two events. A last line, one prebuilt event published through
//! `store_bus` (its pool of confirm channels), shows what publishing alone
//! costs the gateway. A second table gives each run's CPU per request in
//! RabbitMQ, PostgreSQL (the whole server: nothing else should run on it)
//! and this process, read from `/proc`.
//!
//! The queues are bound as in a running store: the sellers' queue takes
//! `store.chat.message.new.#` (a quorum queue, so each such event is
//! fsynced); nothing takes the raw `store.whatsapp.message.received`, which
//! the broker confirms and drops. The bare handler publishes to the bound
//! key, so both sides persist one message per request.
//! `BENCH_AUDIT=1` binds everything instead (`#`: a deployment that keeps
//! the raw events too; the gateway then persists two messages per request).
//!
//! Needs the broker and database of the tests (`AMQP_URL`, `DATABASE_URL`).
//! `BENCH_REQUESTS` (default 4000) and `BENCH_CONCURRENCY` (a list, default
//! `32,128`) tune the load. Run: `cargo bench -p gateway --bench ingest`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::{path::PathBuf, sync::Arc, time::Duration};

use axum::{Router, extract::State, http::StatusCode, routing::post};
use gateway::{
    Application, Config, domain::signature::whatsapp_signature, startup::CHAT_RESPONSE_QUEUE,
};
use secrecy::SecretString;
use store_bus::{Bus, BusConfig, ConsumerConfig, Handler, HandlerError, Incoming, Routing};
use store_telemetry::Metrics;
use store_testkit::{
    procs::{Cost, Who},
    webhook_load::{self, SignedWebhook, post_all},
};

/// The demo tenant's gaming number: routed to one brand, no menu.
const NUMBER: &str = "100000000000002";
const SECRET: &str = "demo-app-secret";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A signed webhook carrying one text message with a unique wamid.
fn webhook(i: usize) -> (Vec<u8>, String) {
    let body = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "34900000000", "phone_number_id": NUMBER },
            "contacts": [{ "profile": { "name": "Bench" }, "wa_id": format!("34600{i:06}") }],
            "messages": [{ "from": format!("34600{i:06}"), "id": format!("wamid.bench.{i}.{}", uuid::Uuid::new_v4().simple()),
                "timestamp": "1700000000", "type": "text", "text": { "body": "do you have the new console?" } }]
        } }] }]
    });
    let body = serde_json::to_vec(&body).unwrap();
    let signature = whatsapp_signature(SECRET, &body);
    (body, signature)
}

/// Acks everything: the consumer a deployment would have.
struct Sink;

#[async_trait::async_trait]
impl Handler for Sink {
    async fn handle(&self, _: &Incoming) -> Result<(), HandlerError> {
        Ok(())
    }
}

/// `requests` signed webhooks to `url`.
fn webhooks(url: &str, requests: usize) -> Vec<SignedWebhook> {
    (0..requests)
        .map(|i| {
            let (body, signature) = webhook(i);
            SignedWebhook {
                url: url.to_owned(),
                body,
                signature,
            }
        })
        .collect()
}

/// The bus's own publish of one prebuilt event (mandatory, confirmed):
/// what the gateway's publishing costs before any of its own work.
async fn bus_publish(State(state): State<Arc<(Bus, store_events::Event)>>) -> StatusCode {
    let (bus, event) = &*state;
    match bus.publish(event.clone()).await {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

#[tokio::main]
async fn main() {
    let requests = env_or("BENCH_REQUESTS", 4000);
    let concurrencies: Vec<usize> = std::env::var("BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "32,128".to_owned())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let audit = std::env::var("BENCH_AUDIT").is_ok_and(|v| v == "1");
    let prefix = store_testkit::unique("gw-bench");
    let exchange = format!("{prefix}.events");
    let amqp = store_testkit::amqp_url();

    // The sellers' queue (or, with BENCH_AUDIT, a consumer of everything).
    let sink_bus = Bus::connect(
        BusConfig::new(format!("{prefix}-sink"), SecretString::from(amqp.clone()))
            .with_exchange(exchange.clone()),
        Metrics::new("bench").unwrap(),
    )
    .await
    .expect("broker reachable (AMQP_URL)");
    let sink_queue = format!("{prefix}.sink");
    let sink = sink_bus
        .consume(
            ConsumerConfig::new(
                sink_queue.clone(),
                [if audit {
                    "#"
                } else {
                    "store.chat.message.new.#"
                }],
            )
            .with_prefetch(200)
            .with_retry_delays([]),
            Sink,
            tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap();

    // The gateway, as `main` starts it, on the demo tenants.
    let (_pool, database_url) = store_testkit::fresh_database_with_url()
        .await
        .expect("database reachable (DATABASE_URL)");
    let tenants = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/tenants.demo.yaml"
    ));
    let mut config = Config::for_tests(
        SecretString::from(database_url),
        BusConfig::new(gateway::config::SERVICE, SecretString::from(amqp.clone()))
            .with_exchange(exchange.clone()),
        tenants,
    );
    // The tenant's inbound limit is a shop's protection, not the path's
    // cost: set far above the load (every token is still taken in
    // PostgreSQL, as in production).
    config.inbound.per_tenant =
        gateway::domain::rate_limit::Rate::new(100_000_000, Duration::from_micros(1)).unwrap();
    let replies = config.bus.queue_name(CHAT_RESPONSE_QUEUE);
    let app = Application::build(config).await.unwrap();
    let gateway_url = format!("http://127.0.0.1:{}/webhooks/whatsapp/demo", app.port());
    let stop = app.shutdown_token();
    let gateway = tokio::spawn(app.run_until_stopped());

    // The bare handler: publishes to the sellers' key; and again, to the
    // raw event's key and then the sellers'.
    const SELLERS: &str = "store.chat.message.new.demo.gaming";
    let (bare_url, connection) =
        store_testkit::bare_handler::start(&amqp, &exchange, &[(SELLERS, Routing::Required)])
            .await
            .unwrap();
    let (bare_two_url, _bare_two) = store_testkit::bare_handler::start(
        &amqp,
        &exchange,
        &[
            ("store.whatsapp.message.received.demo", Routing::IfBound),
            (SELLERS, Routing::Required),
        ],
    )
    .await
    .unwrap();

    // The bus alone: one event per request through `store_bus`.
    let event = {
        use store_events::data::{
            chat::{ChatMessageNew, MessageContent},
            common::{Channel, Customer},
        };
        let mut context =
            store_events::EventContext::new(store_events::TenantId::parse("demo").unwrap());
        context.brand = Some(store_events::BrandId::parse("gaming").unwrap());
        let data = ChatMessageNew {
            message_id: uuid::Uuid::now_v7().to_string(),
            channel: Channel::Whatsapp,
            channel_message_id: "wamid.bench".into(),
            customer: Customer {
                id: "34600000000".into(),
                display_name: None,
                phone: None,
                language: None,
            },
            sent_at: chrono::Utc::now(),
            content: MessageContent::Text {
                text: "do you have the new console?".into(),
            },
            reply_to: None,
            edited: false,
        };
        store_events::new_event("/bench", &context, &data).unwrap()
    };
    let bus_only = Router::new()
        .route("/publish", post(bus_publish))
        .with_state(Arc::new((sink_bus.clone(), event)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bus_url = format!("http://{}/publish", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bus_only).await });

    // Warm-up, then the measured runs, the two handlers taking turns at
    // each concurrency so a noisy moment hits both alike.
    let http = reqwest::Client::new();
    for url in [&gateway_url, &bare_url, &bare_two_url] {
        post_all(&http, webhooks(url, 200), 32).await;
    }
    println!(
        "\n{requests} requests per run; sellers' queue bound{}\n",
        if audit {
            ", raw events kept too (BENCH_AUDIT)"
        } else {
            ""
        }
    );
    println!("{}", webhook_load::HEADER);
    // What each run cost the broker, the database and this process (the
    // handlers, the load client and the sink), per request.
    let mut cost = Cost::broker_database_and([(
        "this process".to_owned(),
        Who::Pids(vec![std::process::id()]),
    )]);
    let mut costs = Vec::new();
    for &concurrency in &concurrencies {
        let mut runs = Vec::new();
        for (name, url) in [
            ("gateway: verify, dedup, 2 events", &gateway_url),
            ("bare axum + lapin (1 publish)", &bare_url),
            ("bare axum + lapin (2 publishes)", &bare_two_url),
            ("store_bus publish (1 event)", &bus_url),
        ] {
            let (run, costed) = cost
                .during(
                    requests,
                    post_all(&http, webhooks(url, requests), concurrency),
                )
                .await;
            if let Some(example) = &run.example {
                eprintln!("{name}: {} failed, e.g. {example}", run.non_2xx);
            }
            costs.push((format!("{name}, {concurrency}"), costed));
            runs.push((name, run));
        }
        for (name, run) in &runs {
            println!("{}", run.row(name, concurrency));
        }
        let [(_, gateway), (_, bare), (_, bare_two), _] = &runs[..] else {
            unreachable!("four runs");
        };
        for (name, measured, ceiling) in [
            ("ratio gateway / bare", gateway, bare),
            ("ratio gateway / bare 2 publishes", gateway, bare_two),
            ("ratio bare 2 publishes / bare", bare_two, bare),
        ] {
            println!(
                "| {name} | {concurrency} | | {:.2}× | | | {:.2}× | | |",
                measured.rate() / ceiling.rate(),
                measured.ms(0.99) / ceiling.ms(0.99),
            );
        }
    }
    println!("\n{}", cost.table(&costs));

    stop.cancel();
    let _ = gateway.await;
    sink.shutdown().await;
    // Leave no quorum queues behind on a shared broker.
    let cleanup = connection.create_channel().await.unwrap();
    for queue in [
        store_bus::topology::dead_letter_queue(&sink_queue),
        sink_queue,
        store_bus::topology::dead_letter_queue(&replies),
        replies.clone(),
    ]
    .into_iter()
    .chain(
        gateway::config::SendConfig::default()
            .bus_retry_delays
            .iter()
            .map(|d| store_bus::topology::retry_queue(&replies, *d)),
    ) {
        let _ = cleanup
            .queue_delete(queue.as_str().into(), Default::default())
            .await;
    }
    let _ = cleanup
        .exchange_delete(exchange.as_str().into(), Default::default())
        .await;
    // The reply consumer's shard queues and exchange.
    store_testkit::purge_broker(&prefix).await;
}
