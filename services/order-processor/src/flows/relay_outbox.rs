//! The outbox relay: publishes committed events in order, woken after each
//! commit and on a timer (for what a crashed replica left behind).

use std::time::Duration;

use store_bus::PublishError;
use tokio_util::sync::CancellationToken;

use super::{Orders, Shared};
use crate::db;

/// Events published per transaction.
const BATCH: i64 = 100;

/// Runs until `cancel` fires, then publishes what is left once more.
pub async fn run(orders: Shared, poll: Duration, cancel: CancellationToken) {
    loop {
        match relay_once(&orders).await {
            // A full batch: there may be more right away.
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(error = format!("{error:#}"), "outbox relay failed"),
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = orders.outbox_ready.notified() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
    if let Err(error) = relay_once(&orders).await {
        tracing::warn!(
            error = format!("{error:#}"),
            "outbox not drained at shutdown"
        );
    }
}

/// Publishes one batch; returns how many events it handled.
#[tracing::instrument(skip_all)]
pub async fn relay_once(orders: &Orders) -> anyhow::Result<usize> {
    let mut tx = orders.pool.begin().await?;
    let pending = db::outbox::lock_pending(&mut tx, BATCH).await?;
    let count = pending.len();
    for (id, event) in pending {
        match orders.bus.publish(event).await {
            Ok(()) => {}
            // Nobody is bound for this type: a notice nobody needs.
            Err(PublishError::Unroutable { routing_key, .. }) => {
                tracing::debug!(routing_key, "outbox event had no consumer");
            }
            Err(error) => {
                // Keep what was published so far; retry the rest later.
                tx.commit().await?;
                return Err(error.into());
            }
        }
        db::outbox::mark_published(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(count)
}
