//! JSON log lines that carry the OpenTelemetry trace and span ids.
//!
//! The subscriber is a stack of layers over the registry: the `RUST_LOG`
//! filter, the `tracing-opentelemetry` layer (which gives each span an
//! OpenTelemetry span), [`SpanIdsLayer`] (which copies that span's ids into
//! the tracing span when it is entered) and a `fmt` layer with
//! [`JsonFormat`] (which writes one JSON object per event, ids included).
//!
//! [`subscriber`] builds the very stack [`crate::init`] installs, over any
//! tracer and writer, so tests can install it locally with
//! `tracing::subscriber::with_default`.
//!
//! Personal data (ids that name a shopper, what they wrote) is rewritten
//! by the formatter before a line is written ([`redact`]).

pub mod capture;
mod format;
mod ids;
pub mod redact;

use opentelemetry_sdk::trace::SdkTracer;
use tracing::Subscriber;
use tracing_subscriber::{
    EnvFilter, fmt::MakeWriter, fmt::format::JsonFields, layer::SubscriberExt as _,
};

pub use capture::{CapturedLogs, capture};
pub use format::JsonFormat;
pub use ids::{SpanIds, SpanIdsLayer};
pub use redact::pseudonym;

/// The subscriber [`crate::init`] installs: `filter`, then spans exported
/// through `tracer`, then JSON lines with trace ids written to `writer`.
///
/// `exporting`: whether `tracer`'s spans go anywhere. Without an exporter a
/// span still needs its ids (the log lines' and the events' `traceparent`),
/// but nothing reads its attributes, so the OpenTelemetry layer does not
/// time every entry and exit (busy and idle time) or record the thread and
/// source location. Either way the span's OpenTelemetry context is not made
/// current on entry: nothing here reads it from there (ids and propagation
/// read the span's own, [`crate::propagation`]). A profile of a seller and
/// the inbox under load put about 8 % of their CPU in the tracing layers,
/// most of it on span entry and exit, which every poll of an instrumented
/// future does.
pub fn subscriber<W>(
    tracer: SdkTracer,
    filter: EnvFilter,
    writer: W,
    exporting: bool,
) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let spans = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_context_activation(false)
        .with_tracked_inactivity(exporting)
        .with_threads(exporting)
        .with_location(exporting);
    tracing_subscriber::registry()
        .with(filter)
        .with(spans)
        .with(SpanIdsLayer::new())
        .with(
            tracing_subscriber::fmt::layer()
                .event_format(JsonFormat::new())
                .fmt_fields(JsonFields::new())
                .with_writer(writer),
        )
}

/// Whether the global subscriber is one built by [`subscriber`].
pub(crate) fn ids_layer_installed() -> bool {
    tracing::dispatcher::get_default(|dispatch| dispatch.downcast_ref::<SpanIdsLayer>().is_some())
}
