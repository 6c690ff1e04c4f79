//! The JSON line format: one object per event.
//!
//! ```json
//! {"timestamp":"2025-01-01T12:00:00.000000Z","level":"INFO","target":"gateway::http",
//!  "message":"message accepted","fields":{"wamid":"…"},
//!  "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",
//!  "span":{"event_type":"store.chat.message.new","name":"consume"},
//!  "spans":[{"event_type":"store.chat.message.new","name":"consume"}]}
//! ```
//!
//! `span` is the innermost span, `spans` the whole scope from the root;
//! `trace_id`/`span_id` come from the nearest span with OpenTelemetry ids
//! (recorded by [`super::SpanIdsLayer`]). Span fields are expected to be
//! formatted by `JsonFields`; other field formats land as one string.

use std::fmt;

use serde::Serializer as _;
use serde_json::{Map, Value};
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{
    fmt::{
        FmtContext, FormatEvent, FormatFields, FormattedFields,
        format::Writer,
        time::{FormatTime, SystemTime},
    },
    registry::{LookupSpan, SpanRef},
};

use super::{SpanIds, redact::redact};

/// Formats events as single-line JSON objects with OpenTelemetry ids.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonFormat {
    timer: SystemTime,
}

impl JsonFormat {
    /// RFC 3339 UTC timestamps, microsecond precision.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S, N> FormatEvent<S, N> for JsonFormat
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut timestamp = String::new();
        self.timer.format_time(&mut Writer::new(&mut timestamp))?;

        let meta = event.metadata();
        let mut visitor = FieldVisitor::new(*meta.level());
        event.record(&mut visitor);

        // Keys in a fixed, reading order (a `Map` would sort them).
        let mut line: Vec<(&str, Value)> = Vec::with_capacity(10);
        line.push(("timestamp", timestamp.into()));
        line.push(("level", meta.level().as_str().into()));
        let target = visitor
            .log_target
            .take()
            .unwrap_or_else(|| meta.target().to_owned());
        line.push(("target", target.into()));
        if let Some(message) = visitor.message.take() {
            line.push(("message", message.into()));
        }
        if !visitor.fields.is_empty() {
            line.push(("fields", Value::Object(visitor.fields)));
        }

        if let Some(scope) = ctx.event_scope() {
            // Leaf first: the innermost span, and the nearest ids.
            let leaf_first: Vec<SpanRef<'_, S>> = scope.collect();
            let ids = leaf_first
                .iter()
                .find_map(|span| span.extensions().get::<SpanIds>().copied());
            if let Some(ids) = ids {
                line.push(("trace_id", ids.trace_id.to_string().into()));
                line.push(("span_id", ids.span_id.to_string().into()));
            }
            let from_root: Vec<Value> = leaf_first.iter().rev().map(span_object::<S, N>).collect();
            if let Some(leaf) = from_root.last() {
                line.push(("span", leaf.clone()));
            }
            line.push(("spans", Value::Array(from_root)));
        }

        let mut json = Vec::with_capacity(256);
        let mut serializer = serde_json::Serializer::new(&mut json);
        (&mut serializer)
            .collect_map(line)
            .map_err(|_| fmt::Error)?;
        let json = String::from_utf8(json).map_err(|_| fmt::Error)?;
        writeln!(writer, "{json}")
    }
}

/// `{"name": …, …fields}` for one span.
fn span_object<S, N>(span: &SpanRef<'_, S>) -> Value
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    let mut object = Map::new();
    object.insert("name".into(), span.name().into());
    let level = *span.metadata().level();
    let extensions = span.extensions();
    if let Some(formatted) = extensions.get::<FormattedFields<N>>() {
        match serde_json::from_str::<Map<String, Value>>(&formatted.fields) {
            Ok(fields) => object.extend(fields.into_iter().map(|(name, value)| {
                let value = redact(&name, value, level);
                (name, value)
            })),
            Err(_) if formatted.fields.is_empty() => {}
            Err(_) => {
                object.insert("fields".into(), formatted.fields.clone().into());
            }
        }
    }
    Value::Object(object)
}

/// Collects an event's fields: `message` apart, `log.*` metadata of records
/// bridged from the `log` crate dropped (but `log.target` kept as target),
/// personal data redacted ([`super::redact`]).
#[derive(Debug)]
struct FieldVisitor {
    level: tracing::Level,
    message: Option<String>,
    log_target: Option<String>,
    fields: Map<String, Value>,
}

impl FieldVisitor {
    fn new(level: tracing::Level) -> Self {
        Self {
            level,
            message: None,
            log_target: None,
            fields: Map::new(),
        }
    }

    fn insert(&mut self, field: &Field, value: Value) {
        match field.name() {
            "message" => {
                self.message = Some(match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                });
            }
            "log.target" => {
                if let Value::String(target) = value {
                    self.log_target = Some(target);
                }
            }
            name if name.starts_with("log.") => {}
            name => {
                self.fields
                    .insert(name.to_owned(), redact(name, value, self.level));
            }
        }
    }
}

impl Visit for FieldVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // NaN and infinities have no JSON number: keep them readable.
        let value = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.insert(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The whole cause chain, like anyhow's `{:#}`.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.insert(field, text.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, format!("{value:?}").into());
    }
}
