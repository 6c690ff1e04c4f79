//! The SDK tracer provider and its optional OTLP HTTP/protobuf exporter.
//!
//! The workspace builds `opentelemetry-otlp` with its async `reqwest` client,
//! while the SDK's batch span processor exports from its own OS thread with
//! `futures_executor::block_on`, where an async reqwest client finds no Tokio
//! reactor. [`OnOwnRuntime`] bridges the two: each export runs as a task on a
//! small runtime owned by the exporter (one worker thread), and the processor
//! thread just waits for it. Exports therefore never depend on the service's
//! runtime, which may be single-threaded or already stopping when the
//! provider is shut down.
//!
//! Every exported span first passes [`Redacting`], which keeps personal data
//! out of the trace store as the log formatter keeps it out of log lines.

mod redacting;

pub use redacting::Redacting;

use std::{fmt, future::Future, sync::Arc, time::Duration};

use anyhow::Context as _;
use opentelemetry_sdk::{
    Resource,
    error::{OTelSdkError, OTelSdkResult},
    trace::{SdkTracerProvider, SpanData, SpanExporter},
};
use tokio::runtime::{Handle, Runtime};

/// Whether an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, non-empty) and traces are not turned
/// off with `OTEL_TRACES_EXPORTER=none`.
pub fn endpoint_configured() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.trim().is_empty());
    let disabled = std::env::var("OTEL_TRACES_EXPORTER").is_ok_and(|value| value.trim() == "none");
    !disabled && (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}

/// A tracer provider for `service_name` (unless `OTEL_SERVICE_NAME` is set),
/// batching spans to `exporter` when there is one.
///
/// Without an exporter spans still get real ids and sampling decisions; they
/// are simply not sent anywhere.
pub fn tracer_provider<E>(service_name: &str, exporter: Option<E>) -> SdkTracerProvider
where
    E: SpanExporter + 'static,
{
    let builder = SdkTracerProvider::builder().with_resource(resource(service_name));
    match exporter {
        Some(exporter) => builder.with_batch_exporter(exporter),
        None => builder,
    }
    .build()
}

/// The OTLP HTTP exporter, configured from the standard `OTEL_EXPORTER_OTLP_*`
/// variables (endpoint, headers, timeout, compression, protocol), running on
/// its own runtime, with personal data rewritten first.
pub fn exporter_from_env()
-> anyhow::Result<Redacting<OnOwnRuntime<opentelemetry_otlp::SpanExporter>>> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .context("Failed to build the OTLP span exporter")?;
    OnOwnRuntime::new(exporter).map(Redacting::new)
}

/// The SDK's default resource (which reads `OTEL_RESOURCE_ATTRIBUTES` and
/// `OTEL_SERVICE_NAME`), with `service.name` set unless the environment set it.
fn resource(service_name: &str) -> Resource {
    let builder = Resource::builder();
    let from_env = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|name| !name.trim().is_empty());
    if from_env {
        builder.build()
    } else {
        builder.with_service_name(service_name.to_owned()).build()
    }
}

/// Runs a span exporter's futures on a Tokio runtime it owns.
pub struct OnOwnRuntime<E> {
    inner: Arc<E>,
    runtime: ExportRuntime,
}

impl<E> OnOwnRuntime<E> {
    /// Wraps `exporter`, starting a one-thread runtime named `otel-export`.
    pub fn new(exporter: E) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otel-export")
            .enable_all()
            .build()
            .context("Failed to start the OTLP export runtime")?;
        Ok(Self {
            inner: Arc::new(exporter),
            runtime: ExportRuntime(Some(runtime)),
        })
    }
}

impl<E: fmt::Debug> fmt::Debug for OnOwnRuntime<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnOwnRuntime")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<E> SpanExporter for OnOwnRuntime<E>
where
    E: SpanExporter + 'static,
{
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let inner = Arc::clone(&self.inner);
        let task = self
            .runtime
            .handle()
            .map(|handle| handle.spawn(async move { inner.export(batch).await }));
        async move {
            match task {
                Some(task) => task.await.unwrap_or_else(|error| {
                    Err(OTelSdkError::InternalFailure(format!(
                        "OTLP export task failed: {error}"
                    )))
                }),
                None => Err(OTelSdkError::AlreadyShutdown),
            }
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        // Called while the provider is built, before any export shares the
        // exporter; afterwards the resource is fixed.
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.set_resource(resource);
        }
    }
}

/// The export runtime; dropped without blocking, since the exporter may be
/// dropped from inside another runtime, where a blocking drop panics.
struct ExportRuntime(Option<Runtime>);

impl ExportRuntime {
    fn handle(&self) -> Option<&Handle> {
        self.0.as_ref().map(Runtime::handle)
    }
}

impl Drop for ExportRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails unless it runs inside a Tokio runtime, like the async reqwest
    /// client does.
    #[derive(Debug, Default)]
    struct NeedsTokio;

    impl SpanExporter for NeedsTokio {
        async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
            Handle::try_current()
                .map_err(|error| OTelSdkError::InternalFailure(error.to_string()))?;
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok(())
        }
    }

    #[test]
    fn exports_from_a_plain_thread_run_on_the_own_runtime() {
        // Arrange
        let exporter = OnOwnRuntime::new(NeedsTokio).expect("runtime");

        // Act: what the SDK's batch processor thread does.
        let outcome =
            std::thread::spawn(move || futures::executor::block_on(exporter.export(Vec::new())))
                .join()
                .expect("export thread");

        // Assert
        assert!(outcome.is_ok(), "{outcome:?}");
    }
}
