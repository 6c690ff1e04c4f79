//! The gateway's own Prometheus counters, registered in the service registry
//! (so they carry the `service` label and are served on `/metrics`). Labels
//! are bounded: a channel and an outcome, never a tenant or a conversation.

use anyhow::Context as _;
use prometheus::{IntCounterVec, Opts};
use store_telemetry::Metrics;

/// Counters of inbound webhooks and outbound sends.
#[derive(Clone, Debug)]
pub struct GatewayMetrics {
    inbound: IntCounterVec,
    outbound: IntCounterVec,
}

impl GatewayMetrics {
    /// Registers the counters in `metrics`' registry.
    pub fn register(metrics: &Metrics) -> anyhow::Result<Self> {
        let inbound = IntCounterVec::new(
            Opts::new(
                "gateway_inbound_messages_total",
                "Inbound channel messages and statuses, by outcome",
            ),
            &["channel", "outcome"],
        )
        .context("Failed to create the inbound counter")?;
        let outbound = IntCounterVec::new(
            Opts::new(
                "gateway_outbound_messages_total",
                "Outbound channel messages, by outcome",
            ),
            &["channel", "outcome"],
        )
        .context("Failed to create the outbound counter")?;
        let registry = metrics.registry();
        registry
            .register(Box::new(inbound.clone()))
            .context("Failed to register the inbound counter")?;
        registry
            .register(Box::new(outbound.clone()))
            .context("Failed to register the outbound counter")?;
        Ok(Self { inbound, outbound })
    }

    /// Counts an inbound message or status (`published`, `duplicate`,
    /// `menu`, `status`); channel `whatsapp`, `telegram` or `webchat`.
    pub fn inbound(&self, channel: &str, outcome: &str) {
        self.inbound.with_label_values(&[channel, outcome]).inc();
    }

    /// Counts an outbound message (`sent`, `retried`, `failed`, `fallback`;
    /// `duplicate` for a redelivered web chat reply).
    pub fn outbound(&self, channel: &str, outcome: &str) {
        self.outbound.with_label_values(&[channel, outcome]).inc();
    }
}
