//! Spans reach an OTLP/HTTP collector through the batch processor, even
//! though the exporter's reqwest client is async and the processor exports
//! from a plain thread.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use axum::{Router, body::Bytes, http::HeaderMap, routing::post};
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use store_telemetry::otlp::{OnOwnRuntime, tracer_provider};

/// What the fake collector received: (content type, body length) per request.
type Received = Arc<Mutex<Vec<(String, usize)>>>;

async fn fake_collector() -> (String, Received) {
    let received = Received::default();
    let sink = Arc::clone(&received);
    let router = Router::new().route(
        "/v1/traces",
        post(move |headers: HeaderMap, body: Bytes| async move {
            let content_type = headers
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((content_type, body.len()));
            // An empty ExportTraceServiceResponse is an empty protobuf body.
            Bytes::new()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/v1/traces"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_spans_are_posted_as_otlp_protobuf() {
    // Arrange
    let (endpoint, received) = fake_collector().await;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(5))
        .build()
        .expect("exporter");
    let provider = tracer_provider(
        "otlp-test",
        Some(OnOwnRuntime::new(exporter).expect("export runtime")),
    );

    // Act
    let mut span = provider.tracer("test").start("handle store.order.create");
    span.end();
    let flushed = tokio::task::spawn_blocking(move || {
        let flushed = provider.force_flush();
        let shut = provider.shutdown();
        (flushed, shut)
    })
    .await
    .expect("flush task");

    // Assert
    assert!(flushed.0.is_ok(), "{flushed:?}");
    assert!(flushed.1.is_ok(), "{flushed:?}");
    let received = received.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].0, "application/x-protobuf");
    assert!(received[0].1 > 0);
}
