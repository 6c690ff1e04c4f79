//! Trace context round trip through CloudEvents, with a real SDK tracer
//! installed locally (`with_default`) so tests don't fight over the global
//! subscriber.

use cloudevents::{Event, EventBuilder as _, EventBuilderV10, event::ExtensionValue};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use store_telemetry::propagation::{
    TRACEPARENT, TRACESTATE, current_span_id, current_trace_id, extract, inject, set_parent,
};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

fn with_tracing<T>(f: impl FnOnce() -> T) -> T {
    let provider = SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::with_default(subscriber, f)
}

fn event() -> Event {
    EventBuilderV10::new()
        .id("evt-1")
        .source("/seller-agent")
        .ty("store.order.create")
        .build()
        .expect("valid event")
}

fn traceparent(event: &Event) -> String {
    match event.extension(TRACEPARENT) {
        Some(ExtensionValue::String(value)) => value.clone(),
        other => panic!("no string traceparent: {other:?}"),
    }
}

#[test]
fn inject_writes_the_current_span_as_a_w3c_traceparent() {
    with_tracing(|| {
        // Arrange
        let span = tracing::info_span!("publish");
        let _entered = span.enter();
        let trace_id = current_trace_id().expect("a valid trace id");
        let span_id = current_span_id().expect("a valid span id");
        let mut event = event();

        // Act
        inject(&mut event);

        // Assert
        let traceparent = traceparent(&event);
        assert_eq!(traceparent, format!("00-{trace_id}-{span_id}-01"));
        assert_eq!(trace_id.len(), 32);
        assert_ne!(trace_id, "0".repeat(32));
        assert!(
            event.extension(TRACESTATE).is_none(),
            "empty tracestate is omitted"
        );
    });
}

#[test]
fn set_parent_makes_the_consumer_span_join_the_publishers_trace() {
    with_tracing(|| {
        // Arrange: publish inside one trace...
        let mut event = event();
        let (publisher_trace, publisher_span) = {
            let span = tracing::info_span!("publish");
            let _entered = span.enter();
            inject(&mut event);
            (current_trace_id(), current_span_id())
        };

        // Act: ...consume in a fresh root span made child of the event.
        let consumer = tracing::info_span!(parent: None, "consume");
        set_parent(&consumer, &event);
        let _entered = consumer.enter();

        // Assert
        assert_eq!(current_trace_id(), publisher_trace);
        assert_ne!(current_span_id(), publisher_span);
        let cx = consumer.context();
        let consumer_span = cx.span();
        assert!(!consumer_span.span_context().is_remote());
    });
}

#[test]
fn extract_gives_the_remote_parent_of_the_event() {
    with_tracing(|| {
        let mut event = event();
        let span = tracing::info_span!("publish");
        let _entered = span.enter();
        inject(&mut event);

        let cx = extract(&event);

        let remote = cx.span();
        assert!(remote.span_context().is_remote());
        assert_eq!(
            Some(remote.span_context().trace_id().to_string()),
            current_trace_id()
        );
    });
}

#[test]
fn set_parent_with_no_trace_on_the_event_keeps_the_contextual_parent() {
    with_tracing(|| {
        let outer = tracing::info_span!("outer");
        let _outer = outer.enter();
        let outer_trace = current_trace_id();

        let inner = tracing::info_span!("inner");
        set_parent(&inner, &event());
        let _inner = inner.enter();

        assert_eq!(current_trace_id(), outer_trace);
    });
}

#[test]
fn there_is_no_trace_id_without_a_span() {
    with_tracing(|| assert_eq!(current_trace_id(), None));
}
