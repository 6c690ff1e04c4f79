//! What one JSON log line costs (not a test):
//! `cargo bench -p store-telemetry --bench log_lines`; `BENCH_LINES` sets
//! the lines per round (default 200,000).
//!
//! Each line is an `info` event with two fields inside three nested spans,
//! as a seller's turn logs it (`consume` with the event type and the
//! conversation, `turn` with the tenant and the conversation, `tool` with
//! its name), written to `io::sink`: the formatting alone. The same lines
//! go through the services' subscriber (`logs::subscriber`: the ids, the
//! redaction, our line format) and, as the baseline in the same run,
//! through `tracing-subscriber`'s stock JSON format with the current span
//! and the span list (no ids, no redaction). Three alternating rounds.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use store_telemetry::logs;
use tracing_subscriber::EnvFilter;

/// Logs `lines` lines in spans entered once; the time per line.
fn lines(lines: u32) -> Duration {
    let conversation = "whatsapp:100000000000001:34600111222";
    let consume = tracing::info_span!(
        "consume",
        event_type = "store.chat.message.new",
        conversation = %conversation
    );
    let _consume = consume.enter();
    let turn = tracing::info_span!("turn", tenant = "demo", conversation = %conversation);
    let _turn = turn.enter();
    let tool = tracing::info_span!("tool", name = "search_products");
    let _tool = tool.enter();
    let started = Instant::now();
    for i in 0..lines {
        tracing::info!(results = i, took_ms = 3, "tool call");
    }
    started.elapsed() / lines
}

fn ours(count: u32) -> Duration {
    let provider = SdkTracerProvider::builder().build();
    let subscriber = logs::subscriber(
        provider.tracer("bench"),
        EnvFilter::new("info"),
        std::io::sink,
        false,
    );
    tracing::subscriber::with_default(subscriber, || lines(count))
}

fn stock(count: u32) -> Duration {
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_env_filter(EnvFilter::new("info"))
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::with_default(subscriber, || lines(count))
}

fn main() {
    let count: u32 = std::env::var("BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    println!("| round | services' subscriber, ns a line | stock JSON format, ns a line |");
    println!("|---:|---:|---:|");
    for round in 1..=3 {
        let ours = ours(count);
        let stock = stock(count);
        println!("| {round} | {} | {} |", ours.as_nanos(), stock.as_nanos());
    }
}
