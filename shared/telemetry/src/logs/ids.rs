//! Copies each span's OpenTelemetry trace and span ids into the span's
//! extensions, where the log formatter can read them.
//!
//! `tracing-opentelemetry` keeps its per-span data private; its public way in
//! is [`tracing_opentelemetry::get_otel_context`], which needs the
//! [`Dispatch`] the span lives in. A formatter has no dispatch at hand (and
//! `tracing::dispatcher::get_default` yields none while an event is being
//! dispatched), so this layer keeps a weak handle on its own dispatch and
//! records the ids when a span is first entered, which is also when the
//! OpenTelemetry layer starts the span.

use std::sync::OnceLock;

use opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId};
use tracing::{
    Subscriber,
    dispatcher::{Dispatch, WeakDispatch},
    span,
};
use tracing_subscriber::{Layer, layer::Context, registry::LookupSpan};

/// The OpenTelemetry ids of a tracing span, stored in its extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanIds {
    /// The W3C trace id (16 bytes).
    pub trace_id: TraceId,
    /// The span id (8 bytes).
    pub span_id: SpanId,
}

/// Records [`SpanIds`] in each span's extensions when the span is entered.
///
/// Must sit in the same subscriber as (and above) the `tracing-opentelemetry`
/// layer; without it the layer records nothing.
#[derive(Debug, Default)]
pub struct SpanIdsLayer {
    dispatch: OnceLock<WeakDispatch>,
}

impl SpanIdsLayer {
    /// A layer that has not yet been registered with a dispatch.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S> Layer<S> for SpanIdsLayer
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    fn on_register_dispatch(&self, dispatch: &Dispatch) {
        // A weak handle: the dispatch owns this layer, a strong one would
        // be a cycle.
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        if span.extensions().get::<SpanIds>().is_some() {
            return;
        }
        let Some(dispatch) = self.dispatch.get().and_then(WeakDispatch::upgrade) else {
            return;
        };
        // No extensions lock may be held here: `get_otel_context` takes them.
        let Some(otel_cx) = tracing_opentelemetry::get_otel_context(id, &dispatch) else {
            return;
        };
        let otel_span = otel_cx.span();
        let span_context = otel_span.span_context();
        if !span_context.is_valid() {
            return;
        }
        span.extensions_mut().insert(SpanIds {
            trace_id: span_context.trace_id(),
            span_id: span_context.span_id(),
        });
    }
}
