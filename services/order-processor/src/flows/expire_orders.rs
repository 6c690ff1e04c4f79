//! Expiry of unpaid orders: every sweep, orders still `pending_payment`
//! after their `expires_at` move to `expired` and their stock is released.
//! Rows are locked with `skip locked`, so replicas share the work.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Orders, Shared, change_status::apply_locked};
use crate::{db, domain::lifecycle::Command};

/// Orders expired per transaction.
const BATCH: i64 = 100;

/// Sweeps every `every` until `cancel` fires.
pub async fn run(orders: Shared, every: Duration, cancel: CancellationToken) {
    loop {
        match expire_once(&orders).await {
            Ok(n) if n > 0 => {
                tracing::info!(expired = n, "unpaid orders expired");
                orders.outbox_ready.notify_one();
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = format!("{error:#}"), "expiry sweep failed"),
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Expires one batch; returns how many orders expired.
#[tracing::instrument(skip_all)]
pub async fn expire_once(orders: &Orders) -> anyhow::Result<usize> {
    let mut tx = orders.pool.begin().await?;
    let due = db::orders::lock_expired(&mut tx, BATCH).await?;
    let mut expired = 0;
    for order in &due {
        if apply_locked(
            &mut tx,
            order,
            &Command::Expire,
            Some("not paid in time"),
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        {
            expired += 1;
        }
    }
    tx.commit().await?;
    Ok(expired)
}
