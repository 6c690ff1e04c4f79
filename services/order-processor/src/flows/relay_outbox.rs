//! The outbox relay: publishes committed events in order, woken after each
//! commit and on a timer (for what a crashed replica left behind).

use std::time::Duration;

use store_bus::Routing;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

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
///
/// The batch goes out together on one channel, in order and pipelined
/// (`Publisher::publish_all`: one wait for every confirm, not one each),
/// and is marked published in one statement. Outbox events are notices:
/// one nobody is bound for is confirmed and dropped by the broker. If any
/// publish fails nothing is marked, and the next round publishes the whole
/// batch again; the events carry their ids, so a consumer that got one
/// already drops the copy.
#[tracing::instrument(skip_all)]
pub async fn relay_once(orders: &Orders) -> anyhow::Result<usize> {
    let mut tx = orders.pool.begin().await?;
    let pending = db::outbox::lock_pending(&mut tx, BATCH).await?;
    let count = pending.len();
    if count == 0 {
        tx.rollback().await?;
        return Ok(0);
    }
    let (ids, events): (Vec<Uuid>, Vec<_>) = pending
        .into_iter()
        .map(|(id, event)| (id, (event, Routing::IfBound)))
        .unzip();
    orders.bus.publisher().publish_all(events).await?;
    db::outbox::mark_published(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(count)
}
