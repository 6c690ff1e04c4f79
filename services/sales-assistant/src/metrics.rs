//! The inbox's own metrics: hand-offs opened and resolved, and the open
//! ones per tenant.
//!
//! The open gauge is recounted from the database (after each change here
//! and every `OPEN_GAUGE_REFRESH_MS`), so it is right after a restart and
//! every replica reports the same value: aggregate it with `max by (tenant)`,
//! not `sum`. Tenants are the shops on the platform, a bounded set.

use std::{collections::HashSet, sync::Arc, time::Duration};

use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::db;

/// Handles on the inbox's metrics (cheap to clone).
#[derive(Clone, Debug)]
pub struct InboxMetrics {
    opened: IntCounterVec,
    resolved: IntCounterVec,
    open: IntGaugeVec,
    /// Wakes the gauge's recount after a change.
    changed: Arc<Notify>,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: T,
) -> Result<T, prometheus::Error> {
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl InboxMetrics {
    /// Registers the metrics in `registry`.
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        Ok(Self {
            opened: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "sales_handoffs_opened_total",
                        "Hand-offs opened by an escalation",
                    ),
                    &["tenant"],
                )?,
            )?,
            resolved: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "sales_handoffs_resolved_total",
                        "Hand-offs resolved by a human seller",
                    ),
                    &["tenant", "resolution"],
                )?,
            )?,
            open: register(
                registry,
                IntGaugeVec::new(
                    Opts::new("sales_handoffs_open", "Hand-offs open now"),
                    &["tenant"],
                )?,
            )?,
            changed: Arc::new(Notify::new()),
        })
    }

    /// A hand-off was opened (after commit).
    pub fn opened(&self, tenant: &str) {
        self.opened.with_label_values(&[tenant]).inc();
        self.changed.notify_one();
    }

    /// A hand-off was resolved (after commit).
    pub fn resolved(&self, tenant: &str, resolution: &str) {
        self.resolved.with_label_values(&[tenant, resolution]).inc();
        self.changed.notify_one();
    }

    /// Recounts the open gauge until `cancel` fires: at once, after every
    /// change, and every `interval`.
    pub async fn run_open_gauge(self, pool: PgPool, interval: Duration, cancel: CancellationToken) {
        let mut known = HashSet::new();
        loop {
            match db::handoffs::open_per_tenant(&pool).await {
                Ok(counts) => {
                    let now: HashSet<String> = counts.iter().map(|(t, _)| t.clone()).collect();
                    for (tenant, count) in &counts {
                        self.open.with_label_values(&[tenant]).set(*count);
                    }
                    // Tenants whose last hand-off was resolved go to 0.
                    for tenant in known.difference(&now) {
                        self.open.with_label_values(&[tenant]).set(0);
                    }
                    known.extend(now);
                }
                Err(error) => tracing::warn!(%error, "cannot count open hand-offs"),
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = self.changed.notified() => {}
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}
