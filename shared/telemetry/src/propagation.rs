//! W3C trace context on CloudEvents, per the CloudEvents distributed-tracing
//! extension: the `traceparent` and `tracestate` extension attributes.
//!
//! The publisher calls [`inject`] inside its span; the consumer builds its
//! span, calls [`set_parent`] before entering it, and the consumer's work
//! joins the publisher's trace.
//!
//! The extension is defined as W3C Trace Context, so these functions use the
//! [`TraceContextPropagator`] directly rather than whatever global propagator
//! is installed: the wire format cannot drift with process configuration, and
//! it works in tests that never call [`crate::init`].

use cloudevents::{Event, event::ExtensionValue};
use opentelemetry::{
    Context,
    propagation::{Extractor, Injector, TextMapPropagator as _},
    trace::TraceContextExt as _,
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Extension attribute holding the W3C `traceparent`.
pub const TRACEPARENT: &str = "traceparent";
/// Extension attribute holding the W3C `tracestate` (omitted when empty).
pub const TRACESTATE: &str = "tracestate";

/// Writes the current tracing span's trace context into `event`.
///
/// Does nothing when there is no current span with a valid OpenTelemetry
/// context (for example when no OpenTelemetry layer is installed); any
/// `traceparent` already on the event is then left as it is.
pub fn inject(event: &mut Event) {
    inject_context(&tracing::Span::current().context(), event);
}

/// Writes the trace context of `cx` into `event` (see [`inject`]).
pub fn inject_context(cx: &Context, event: &mut Event) {
    TraceContextPropagator::new().inject_context(cx, &mut EventInjector(event));
}

/// Reads the trace context carried by `event`: a context whose remote span is
/// the publisher's, or an empty context when the event carries none (or an
/// invalid one).
pub fn extract(event: &Event) -> Context {
    TraceContextPropagator::new().extract_with_context(&Context::new(), &EventExtractor(event))
}

/// Makes `span` a child of the trace carried by `event`.
///
/// Call it right after creating the span and before entering it: once a span
/// has started, its parent is fixed. When the event carries no valid trace
/// context, or the span is disabled, the span keeps its contextual parent.
pub fn set_parent(span: &tracing::Span, event: &Event) {
    let cx = extract(event);
    if !cx.span().span_context().is_valid() {
        return;
    }
    if let Err(error) = span.set_parent(cx) {
        tracing::debug!(%error, "could not parent the span on the event's trace");
    }
}

/// The current span's trace id as 32 lowercase hex digits, or `None` when
/// there is no current span with a valid OpenTelemetry context.
pub fn current_trace_id() -> Option<String> {
    let cx = tracing::Span::current().context();
    let span = cx.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// The current span's span id as 16 lowercase hex digits, or `None` (see
/// [`current_trace_id`]).
pub fn current_span_id() -> Option<String> {
    let cx = tracing::Span::current().context();
    let span = cx.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.span_id().to_string())
}

/// Writes propagation fields as string extension attributes.
struct EventInjector<'a>(&'a mut Event);

impl Injector for EventInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if value.is_empty() {
            // An empty `tracestate` carries nothing; drop any stale one.
            self.0.remove_extension(key);
        } else {
            self.0.set_extension(key, value);
        }
    }
}

/// Reads propagation fields from string extension attributes.
struct EventExtractor<'a>(&'a Event);

impl Extractor for EventExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match self.0.extension(key)? {
            ExtensionValue::String(value) => Some(value),
            ExtensionValue::Boolean(_) | ExtensionValue::Integer(_) => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter_extensions().map(|(key, _)| key).collect()
    }
}

#[cfg(test)]
mod tests {
    use cloudevents::{EventBuilder as _, EventBuilderV10};

    use super::*;

    fn event() -> Event {
        EventBuilderV10::new()
            .id("evt-1")
            .source("/test")
            .ty("store.test")
            .build()
            .expect("valid event")
    }

    #[test]
    fn extract_reads_a_traceparent_extension() {
        // Arrange
        let mut event = event();
        event.set_extension(
            TRACEPARENT,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        );
        event.set_extension(TRACESTATE, "vendor=x");

        // Act
        let cx = extract(&event);

        // Assert
        let span = cx.span();
        let remote = span.span_context();
        assert!(remote.is_remote());
        assert_eq!(
            remote.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(remote.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(remote.trace_state().header(), "vendor=x");
    }

    #[test]
    fn extract_without_or_with_a_malformed_traceparent_is_empty() {
        let mut malformed = event();
        malformed.set_extension(TRACEPARENT, "not-a-traceparent");
        let mut not_a_string = event();
        not_a_string.set_extension(TRACEPARENT, 42_i64);

        for event in [event(), malformed, not_a_string] {
            assert!(!extract(&event).span().span_context().is_valid());
        }
    }

    #[test]
    fn inject_outside_any_span_leaves_the_event_alone() {
        let mut event = event();

        inject(&mut event);

        assert!(event.extension(TRACEPARENT).is_none());
        assert!(event.extension(TRACESTATE).is_none());
    }
}
