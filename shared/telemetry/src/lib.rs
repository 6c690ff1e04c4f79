//! Telemetry shared by every agent-store service and by the bus.
//!
//! One call at start-up, [`init`], installs:
//!
//! - JSON logs on stdout, one object per line, carrying the `trace_id` and
//!   `span_id` of the current OpenTelemetry span ([`logs`]), filtered by
//!   `RUST_LOG` (default `info`), with ids that name a shopper hashed under
//!   `LOG_ID_KEY` and message text kept to debug ([`logs::redact`]);
//! - the `tracing-opentelemetry` layer over an SDK tracer provider, so spans
//!   have real W3C trace ids even when nothing is exported, plus an OTLP
//!   HTTP/protobuf batch exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//!   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set ([`otlp`]);
//! - the W3C TraceContext propagator as the global text-map propagator.
//!
//! Around it: [`propagation`] carries the trace context on CloudEvents
//! (`traceparent`/`tracestate` extensions), [`metrics`] owns the Prometheus
//! registry and the bus counters, [`http_metrics`] counts and times every
//! HTTP request by route, [`health`] serves `/healthz`, `/readyz` and
//! `/metrics`, and [`shutdown_signal`] turns SIGTERM and Ctrl-C into one
//! cancellation token.

pub mod health;
pub mod http_metrics;
pub mod logs;
pub mod metrics;
pub mod otlp;
pub mod propagation;
mod shutdown;

use std::sync::{Mutex, PoisonError};

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, filter::LevelFilter, util::SubscriberInitExt as _};

pub use health::{
    CheckOutcome, Readiness, ReadinessCheck, ReadinessReport, health_router, ops_router, serve_ops,
};
pub use metrics::{BusMetrics, Metrics};
pub use shutdown::{shutdown_signal, spawn_signal_handler};

/// Whether this process already installed its telemetry (the global
/// subscriber can be set once per process; tests call `init` many times).
static INSTALLED: Mutex<bool> = Mutex::new(false);

/// Keeps the tracer provider alive; flushes and shuts it down on
/// [`shutdown`](Self::shutdown) or drop.
///
/// Only the guard returned by the first successful [`init`] owns the provider;
/// later calls get a guard that does nothing.
#[must_use = "dropping the guard shuts the tracer provider down"]
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// A guard that owns nothing (telemetry already installed elsewhere).
    fn inert() -> Self {
        Self { provider: None }
    }

    /// Whether this guard owns the process's tracer provider.
    pub fn is_owner(&self) -> bool {
        self.provider.is_some()
    }

    /// Flushes pending spans and shuts the tracer provider down.
    ///
    /// Spans started afterwards get invalid (all-zero) ids, so call it last,
    /// after the service's tasks have stopped.
    pub fn shutdown(mut self) -> anyhow::Result<()> {
        self.shutdown_provider()
    }

    fn shutdown_provider(&mut self) -> anyhow::Result<()> {
        let Some(provider) = self.provider.take() else {
            return Ok(());
        };
        // Flush first so a failing shutdown still had its chance to export.
        let flushed = provider.force_flush().context("Failed to flush spans");
        provider
            .shutdown()
            .context("Failed to shut the tracer provider down")?;
        flushed
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown_provider() {
            // The subscriber may already be gone at this point: stderr is the
            // one channel left.
            eprintln!("store-telemetry: {error:#}");
        }
    }
}

/// Installs logs, traces and the propagator for `service_name`; call once at
/// start-up and keep the guard until the end of `main`.
///
/// The OpenTelemetry `service.name` is `service_name` unless
/// `OTEL_SERVICE_NAME` is set. OTLP export happens only when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is
/// set; the other standard `OTEL_*` variables (headers, timeout, protocol,
/// batch settings, sampler) are honoured by the SDK and exporter.
///
/// Calling it again in the same process (tests) returns an inert guard; so
/// does calling it after some other global subscriber was installed.
pub fn init(service_name: &str) -> anyhow::Result<TelemetryGuard> {
    install(service_name, Output::Stdout)
}

/// Installs telemetry for a test binary: logs go through libtest's capture,
/// nothing is exported, and the provider is never shut down, so every test in
/// the binary sees valid trace ids. Idempotent and cheap to call from every
/// test.
pub fn init_for_tests() {
    match install("test", Output::TestCapture) {
        // Never shut down: tests that run later still need a live provider.
        Ok(guard) => std::mem::forget(guard),
        Err(error) => eprintln!("store-telemetry: {error:#}"),
    }
}

/// Where the log lines go.
enum Output {
    /// The process's stdout (services).
    Stdout,
    /// libtest's per-test capture, and no OTLP export (tests).
    TestCapture,
}

fn install(service_name: &str, output: Output) -> anyhow::Result<TelemetryGuard> {
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if *installed {
        return Ok(TelemetryGuard::inert());
    }

    let key = logs::redact::key_from_env().context("Failed to read LOG_ID_KEY_FILE")?;
    if let Some(key) = &key {
        logs::redact::set_key(key);
    }
    let exporting = matches!(output, Output::Stdout) && otlp::endpoint_configured();
    let exporter = exporting.then(otlp::exporter_from_env).transpose()?;
    let provider = otlp::tracer_provider(service_name, exporter);
    let tracer = provider.tracer(service_name.to_owned());
    let filter = env_filter();
    let init_result = match output {
        Output::Stdout => logs::subscriber(tracer, filter, std::io::stdout, exporting).try_init(),
        Output::TestCapture => logs::subscriber(
            tracer,
            filter,
            tracing_subscriber::fmt::TestWriter::new(),
            exporting,
        )
        .try_init(),
    };
    if let Err(error) = init_result {
        // `try_init` fails either because another global subscriber exists
        // (ours is then unused) or because only the `log` bridge could not be
        // installed (ours is in place). Our subscriber carries the ids layer,
        // which tells the two apart.
        if !logs::ids_layer_installed() {
            eprintln!("store-telemetry: another global subscriber is installed: {error}");
            *installed = true;
            return Ok(TelemetryGuard::inert());
        }
        eprintln!("store-telemetry: `log` records are not bridged: {error}");
    }

    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());
    *installed = true;
    tracing::info!(
        service = service_name,
        otlp_export = exporting,
        "telemetry initialised"
    );
    if key.is_none() && matches!(output, Output::Stdout) {
        tracing::warn!(
            "LOG_ID_KEY is not set: ids in logs are hashed with a key of this process only, \
             so the services' logs name one conversation differently"
        );
    }
    Ok(TelemetryGuard {
        provider: Some(provider),
    })
}

/// `RUST_LOG`, defaulting to `info`; invalid directives are skipped rather
/// than failing start-up.
fn env_filter() -> EnvFilter {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    // lapin warns about every message the broker returned as unroutable;
    // the publisher already reports those to its caller. Quiet unless
    // `RUST_LOG` says otherwise about lapin.
    let lapin_configured = std::env::var("RUST_LOG").is_ok_and(|v| v.contains("lapin"));
    match "lapin::returned_messages=error".parse() {
        Ok(quiet) if !lapin_configured => filter.add_directive(quiet),
        _ => filter,
    }
}
