//! The seller's own overhead per turn, with an instant fake LLM.
//!
//! A real seller (`seller_agent::Application` through
//! `store_testkit::TestApp`, LLM brain) runs against the
//! real broker and database; the model is an in-process axum server speaking
//! the OpenAI chat-completions format that answers at once, with one tool
//! round per turn (a `search_products` call, then a text answer quoting the
//! tool's price); the catalog is an instant responder on the bus. Reported:
//!
//! - end to end: `store.chat.message.new` published → `store.chat.response`
//!   received by the shopper (median, p99);
//! - seller: the seller's `seller_turn_duration_seconds` histogram (message
//!   consumed → reply published; median and p99 interpolated in its
//!   buckets, and the exact mean);
//! - baseline: the bare bus round trip (publish an event, a trivial consumer
//!   publishes a reply, receive it), so the machine's noise is visible.
//!
//! ```text
//! cargo bench -p seller-agent --bench turn          # BENCH_TURNS=300 by default
//! ```
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::{
    collections::BTreeMap,
    path::PathBuf,
    time::{Duration, Instant},
};

use axum::{Json, Router, routing::post};
use cloudevents::{AttributesReader, Event};
use secrecy::SecretString;
use seller_agent::{
    Application, Config,
    llm::{LlmConfig, Provider},
};
use serde_json::{Value, json};
use store_bus::{
    Bus, ConsumerConfig, ConsumerHandle, Handler, HandlerError, Incoming, RequestHandler, Responder,
};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{
        Channel, ChatMessageNew, ChatResponse, Currency, Customer, MessageContent, Money,
        ProductQueryResult, ProductSummary, ResponsePart, Sender,
    },
    decode,
    envelope::string_extension,
    ext, new_event,
};
use store_testkit::{TestApp, TestEnv};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The demo tenants file, with the fashion brand's persona.
const TENANTS_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../config/tenants.demo.yaml"
);

/// The instant model: a tool call when the shopper spoke, text after a tool.
async fn completions(Json(body): Json<Value>) -> Json<Value> {
    let last_role = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["role"].as_str())
        .unwrap_or_default()
        .to_owned();
    let message = if last_role == "tool" {
        json!({"role": "assistant", "content": "Classic Sneakers cost 299.90 BRL. How many would you like?"})
    } else {
        json!({"role": "assistant", "content": null, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "search_products", "arguments": "{\"query\": \"sneakers\"}"}
        }]})
    };
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "instant",
        "choices": [{"index": 0, "message": message,
            "finish_reason": if last_role == "tool" { "stop" } else { "tool_calls" }}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
    }))
}

/// The instant catalog: one pair of sneakers for any query.
struct Catalog;

#[async_trait::async_trait]
impl RequestHandler for Catalog {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let product = ProductSummary {
            product_id: "p-classic".into(),
            variant_id: None,
            sku: "FASHION-0701".into(),
            name: "Classic Sneakers".into(),
            description: None,
            price: Money::new(29990, Currency::parse("BRL").unwrap()),
            stock: 5,
            in_stock: true,
            image_url: None,
            attributes: BTreeMap::new(),
        };
        let reply = ProductQueryResult {
            products: vec![product],
            total: 1,
            error: None,
        };
        new_event(
            "/bench-catalog",
            &EventContext::caused_by(&request.event)?,
            &reply,
        )
        .map_err(HandlerError::reject)
    }
}

/// The baseline's trivial consumer: answers every message with a reply.
struct Echo(Bus);

#[async_trait::async_trait]
impl Handler for Echo {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let message: ChatMessageNew = decode(&incoming.event)?;
        let reply = ChatResponse {
            channel: message.channel,
            recipient: message.customer.id,
            reply_to_message_id: Some(message.channel_message_id),
            sender: Sender::System,
            parts: vec![ResponsePart::Text {
                text: "pong".into(),
            }],
        };
        let context = EventContext::caused_by(&incoming.event)?;
        let event = new_event("/bench-echo", &context, &reply).map_err(HandlerError::reject)?;
        self.0.publish(event).await.map_err(HandlerError::retry)?;
        Ok(())
    }
}

fn message(brand: &str, conversation: &str, text: &str) -> Event {
    let context = EventContext::new(TenantId::parse("demo").unwrap())
        .with_brand(BrandId::parse(brand).unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap());
    let message = ChatMessageNew {
        message_id: uuid::Uuid::new_v4().to_string(),
        channel: Channel::Whatsapp,
        channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
        customer: Customer {
            id: format!("cust-{conversation}"),
            display_name: None,
            phone: None,
            language: None,
        },
        sent_at: chrono::Utc::now(),
        content: MessageContent::Text { text: text.into() },
        reply_to: None,
        edited: false,
    };
    new_event("/bench-shopper", &context, &message).unwrap()
}

/// Publishes one message and waits for the reply in its conversation.
async fn round_trip(
    bus: &Bus,
    inbox: &mut mpsc::UnboundedReceiver<Event>,
    brand: &str,
    conversation: &str,
) -> Duration {
    let event = message(brand, conversation, "do you have sneakers?");
    let start = Instant::now();
    bus.publish(event).await.unwrap();
    loop {
        let reply = tokio::time::timeout(Duration::from_secs(30), inbox.recv())
            .await
            .expect("no reply within 30 s")
            .unwrap();
        if reply.ty() == "store.chat.response"
            && string_extension(&reply, ext::CONVERSATION).as_deref() == Some(conversation)
        {
            return start.elapsed();
        }
    }
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The seller's turn histogram: (upper bound, cumulative count), sum, count.
async fn histogram(metrics_url: &str) -> (Vec<(f64, f64)>, f64, f64) {
    let text = reqwest::get(metrics_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut buckets = Vec::new();
    let (mut sum, mut count) = (0.0, 0.0);
    for line in text.lines() {
        let value = || line.rsplit(' ').next().unwrap().parse::<f64>().unwrap();
        if line.starts_with("seller_turn_duration_seconds_bucket") {
            let le = line
                .split("le=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            buckets.push((le, value()));
        } else if line.starts_with("seller_turn_duration_seconds_sum") {
            sum = value();
        } else if line.starts_with("seller_turn_duration_seconds_count") {
            count = value();
        }
    }
    (buckets, sum, count)
}

/// A quantile of the histogram's difference `after - before`, interpolated
/// linearly within its bucket (as Prometheus' `histogram_quantile`).
fn bucket_quantile(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> f64 {
    let counts: Vec<(f64, f64)> = after
        .iter()
        .map(|(le, n)| {
            let old = before
                .iter()
                .find(|(l, _)| l == le)
                .map_or(0.0, |(_, n)| *n);
            (*le, n - old)
        })
        .collect();
    let total = counts.last().map_or(0.0, |(_, n)| *n);
    let target = total * q;
    let mut lower = (0.0, 0.0);
    for (le, n) in counts {
        if n >= target {
            if le.is_infinite() {
                return lower.0;
            }
            let width = n - lower.1;
            let fraction = if width > 0.0 {
                (target - lower.1) / width
            } else {
                0.0
            };
            return lower.0 + (le - lower.0) * fraction;
        }
        lower = (le, n);
    }
    lower.0
}

#[tokio::main]
async fn main() {
    store_telemetry::init_for_tests();
    let turns: usize = std::env::var("BENCH_TURNS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(300);
    let warmup = 20;

    // The instant model.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let llm_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(
            listener,
            Router::new().route("/v1/chat/completions", post(completions)),
        )
        .await
    });
    let mut llm = LlmConfig::new(
        Provider::Openai,
        format!("http://127.0.0.1:{llm_port}/v1"),
        "instant",
    );
    llm.api_key = Some(SecretString::from("bench"));

    // The seller, as main starts it.
    let app = TestApp::spawn("seller-agent", |env: TestEnv| async move {
        let mut config = Config::for_tests(
            TenantId::parse("demo")?,
            BrandId::parse("fashion")?,
            env.database_url,
            env.bus,
            PathBuf::from(TENANTS_FILE),
        );
        config.llm = Some(llm);
        config.tool_timeout = Duration::from_secs(10);
        config.shards = 2;
        // Each message answered on its own: the burst window (waiting for
        // more fragments of a thought, 2 s by default) is a chosen wait,
        // not the seller's overhead.
        config.burst_window = Duration::ZERO;
        Application::build(config).await
    })
    .await
    .unwrap();
    // `/metrics` is on the operator port.
    let metrics_url = app.operator_url("/metrics");
    let bus = &app.bus;
    let base = &app.exchange;
    let mut inbox = app.watch(["store.chat.response.#"]).await.unwrap();
    let handles: Vec<ConsumerHandle> = vec![
        bus.consume(
            ConsumerConfig::new(format!("{base}.catalog"), ["store.product.query.#"]),
            Responder::new(bus.clone(), Catalog),
            CancellationToken::new(),
        )
        .await
        .unwrap(),
        bus.consume(
            ConsumerConfig::new(format!("{base}.echo"), ["store.chat.message.new.demo.echo"]),
            Echo(bus.clone()),
            CancellationToken::new(),
        )
        .await
        .unwrap(),
    ];

    let conversations: Vec<String> = (0..20).map(|i| format!("wa:bench{i}")).collect();
    let mut seller_times = Vec::with_capacity(turns);
    let mut echo_times = Vec::with_capacity(turns);
    for i in 0..warmup {
        let chat = &conversations[i % conversations.len()];
        round_trip(bus, &mut inbox, "fashion", chat).await;
        round_trip(bus, &mut inbox, "echo", chat).await;
    }
    let (before, sum_before, count_before) = histogram(&metrics_url).await;
    // Interleaved, so both see the same machine.
    for i in 0..turns {
        let chat = &conversations[i % conversations.len()];
        seller_times.push(round_trip(bus, &mut inbox, "fashion", chat).await);
        echo_times.push(round_trip(bus, &mut inbox, "echo", chat).await);
    }
    let (after, sum_after, count_after) = histogram(&metrics_url).await;
    seller_times.sort();
    echo_times.sort();

    println!(
        "seller turn with an instant fake LLM (one tool round), {turns} turns after {warmup} warm-up:"
    );
    println!("| measure | median (ms) | p99 (ms) | mean (ms) |");
    println!("|---|---|---|---|");
    let mean = |v: &[Duration]| ms(v.iter().sum::<Duration>()) / v.len() as f64;
    println!(
        "| end to end: message published → reply received | {:.2} | {:.2} | {:.2} |",
        ms(quantile(&seller_times, 0.5)),
        ms(quantile(&seller_times, 0.99)),
        mean(&seller_times)
    );
    println!(
        "| seller: message consumed → reply published (`seller_turn_duration_seconds`, bucket-interpolated) | {:.2} | {:.2} | {:.2} |",
        bucket_quantile(&before, &after, 0.5) * 1000.0,
        bucket_quantile(&before, &after, 0.99) * 1000.0,
        (sum_after - sum_before) / (count_after - count_before) * 1000.0
    );
    println!(
        "| baseline: bare bus round trip (publish → trivial consumer republishes → received) | {:.2} | {:.2} | {:.2} |",
        ms(quantile(&echo_times, 0.5)),
        ms(quantile(&echo_times, 0.99)),
        mean(&echo_times)
    );

    for handle in handles {
        handle.shutdown().await;
    }
    app.stop().await.unwrap();
}
