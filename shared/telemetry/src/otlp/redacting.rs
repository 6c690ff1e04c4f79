//! Personal data kept out of exported spans, by the rules log lines follow
//! ([`crate::logs::redact`]).
//!
//! `tracing-opentelemetry` turns a span's fields into span attributes and an
//! event's fields into the attributes of a span event, so a conversation id
//! (`whatsapp:<account>:<phone>`) or a shopper's words recorded on a span
//! would reach the trace store as they are. [`Redacting`] rewrites each
//! batch before the exporter it wraps sees it: ids become the same
//! pseudonym the logs show, texts their length. A span event is judged at
//! its own level (its `level` attribute), so a debug event keeps its text
//! when debug was asked for, as in the logs; a span's own attributes are
//! judged at INFO, since spans carry no level.

use std::{future::Future, str::FromStr as _, time::Duration};

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::{
    Resource,
    error::OTelSdkResult,
    trace::{SpanData, SpanExporter},
};
use tracing::Level;

use crate::logs::redact::replacement;

/// A span exporter that rewrites personal data before `E` exports it.
#[derive(Debug)]
pub struct Redacting<E>(E);

impl<E> Redacting<E> {
    /// Wraps `exporter`.
    pub fn new(exporter: E) -> Self {
        Self(exporter)
    }
}

impl<E: SpanExporter> SpanExporter for Redacting<E> {
    fn export(&self, mut batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        for span in &mut batch {
            redact_span(span);
        }
        self.0.export(batch)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// Rewrites `span`'s attributes and its events' attributes in place.
fn redact_span(span: &mut SpanData) {
    let span_level = level_of(&span.attributes);
    redact_attributes(&mut span.attributes, span_level);
    for event in &mut span.events.events {
        let level = level_of(&event.attributes);
        redact_attributes(&mut event.attributes, level);
    }
}

/// The level in a `level` attribute (what `tracing-opentelemetry` records
/// on events), INFO when there is none.
fn level_of(attributes: &[KeyValue]) -> Level {
    attributes
        .iter()
        .find(|attribute| attribute.key.as_str() == "level")
        .and_then(|attribute| Level::from_str(&attribute.value.as_str()).ok())
        .unwrap_or(Level::INFO)
}

fn redact_attributes(attributes: &mut [KeyValue], level: Level) {
    for attribute in attributes {
        let shown = replacement(attribute.key.as_str(), &attribute.value.as_str(), level);
        if let Some(shown) = shown {
            attribute.value = Value::from(shown);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, PoisonError};

    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::EnvFilter;

    use super::*;
    use crate::{logs, logs::pseudonym, otlp::tracer_provider};

    /// Keeps what it is handed.
    #[derive(Debug, Clone, Default)]
    struct Kept(Arc<Mutex<Vec<SpanData>>>);

    impl SpanExporter for Kept {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(batch);
            Ok(())
        }
    }

    /// Every attribute of every exported span and span event, as
    /// `key=value` lines, after a turn of a seller logged with `filter`.
    fn exported_after_a_turn(filter: &str) -> String {
        let kept = Kept::default();
        let provider = tracer_provider("seller-test", Some(Redacting::new(kept.clone())));
        let subscriber = logs::subscriber(
            provider.tracer("seller-test"),
            EnvFilter::new(filter),
            std::io::sink,
            true,
        );
        tracing::subscriber::with_default(subscriber, || {
            let turn = tracing::info_span!(
                "answer_shopper",
                tenant = "demo",
                conversation = "whatsapp:100000000000001:34600111222",
                text = "call me on 34600111222",
            );
            let _entered = turn.enter();
            tracing::info!(reply = "I will call 34600111222", "replied");
            tracing::debug!(text = "debug words from 34600111222", "read");
        });
        provider.force_flush().expect("flush");
        let spans = kept.0.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(spans.len(), 1, "one span exported");
        let span = &spans[0];
        span.attributes
            .iter()
            .chain(span.events.iter().flat_map(|event| event.attributes.iter()))
            .map(|attribute| format!("{}={}\n", attribute.key, attribute.value))
            .collect()
    }

    #[test]
    fn exported_spans_carry_no_phone_number_and_no_text_above_debug() {
        let exported = exported_after_a_turn("info");

        assert!(!exported.contains("34600111222"), "{exported}");
        let conversation = pseudonym("whatsapp:100000000000001:34600111222");
        assert!(
            exported.contains(&format!("conversation={conversation}\n")),
            "{exported}"
        );
        assert!(exported.contains("text=[22 characters]\n"), "{exported}");
        assert!(exported.contains("reply=[23 characters]\n"), "{exported}");
        assert!(exported.contains("tenant=demo\n"), "{exported}");
    }

    #[test]
    fn a_debug_event_keeps_its_text_when_debug_was_asked_for_but_never_an_id() {
        let exported = exported_after_a_turn("debug");

        assert!(
            exported.contains("text=debug words from 34600111222\n"),
            "{exported}"
        );
        assert!(exported.contains("reply=[23 characters]\n"), "{exported}");
        assert!(
            !exported.contains("100000000000001:34600111222"),
            "{exported}"
        );
    }
}
