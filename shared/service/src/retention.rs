//! Housekeeping: the rows a service keeps only to recognise a repeat — the
//! idempotency ledger in every service, an outbox's published events, the
//! gateway's record of the channel messages sent for a reply — are deleted
//! once they are older than the retention, so those tables stay the size of
//! the retention window instead of growing with every event.
//!
//! [`Housekeeper`] runs each table's [`Purge`] at start and then every
//! `RETENTION_SWEEP_MINUTES` (default 60), deleting at most
//! [`BATCH`] rows a statement (short transactions, no long lock on a busy
//! table) until a statement deletes fewer. Rows are kept `RETENTION_DAYS`
//! (default 7). Replicas sweep independently; a row two of them pick is
//! deleted once.
//!
//! The retention has to outlast every way a repeat can arrive: the bus's
//! retries (minutes), a redelivery after a restart (seconds) and an
//! operator replaying a dead letter. A dead letter replayed after the
//! retention is handled as new: an effect it already had (a reply sent,
//! an order event published) may happen again. Webhooks the channels
//! retry (Meta for up to 7 days) are recognised by the gateway's inbound
//! ledger, which has its own expiry.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use anyhow::Context as _;
use prometheus::{IntCounterVec, Opts};
use sqlx::PgPool;
use store_telemetry::Metrics;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::number_from_env;

/// Most rows one purge statement deletes.
pub const BATCH: i64 = 5_000;

/// How long rows are kept and how often they are swept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Rows older than this are deleted.
    pub age: Duration,
    /// Time between sweeps.
    pub every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            age: Duration::from_secs(7 * 86_400),
            every: Duration::from_secs(3_600),
        }
    }
}

impl Retention {
    /// `RETENTION_DAYS` (default 7, at least 1) and `RETENTION_SWEEP_MINUTES`
    /// (default 60, at least 1).
    pub fn from_env() -> anyhow::Result<Self> {
        let days: u64 = number_from_env("RETENTION_DAYS", "7")?;
        let minutes: u64 = number_from_env("RETENTION_SWEEP_MINUTES", "60")?;
        anyhow::ensure!(days >= 1, "RETENTION_DAYS must be at least 1");
        anyhow::ensure!(minutes >= 1, "RETENTION_SWEEP_MINUTES must be at least 1");
        Ok(Self {
            age: Duration::from_secs(days.saturating_mul(86_400)),
            every: Duration::from_secs(minutes.saturating_mul(60)),
        })
    }
}

/// What a purge statement returns: the rows it deleted.
pub type PurgeFuture = Pin<Box<dyn Future<Output = Result<u64, sqlx::Error>> + Send>>;

type Delete = dyn Fn(PgPool, Duration, i64) -> PurgeFuture + Send + Sync;

/// One table's purge: a statement deleting at most `limit` rows older than
/// `age`, returning how many it deleted.
#[derive(Clone)]
pub struct Purge {
    table: &'static str,
    delete: Arc<Delete>,
}

impl std::fmt::Debug for Purge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Purge").field("table", &self.table).finish()
    }
}

impl Purge {
    /// The purge of `table` by `delete(pool, age, limit)`.
    pub fn new<F, Fut>(table: &'static str, delete: F) -> Self
    where
        F: Fn(PgPool, Duration, i64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<u64, sqlx::Error>> + Send + 'static,
    {
        Self {
            table,
            delete: Arc::new(move |pool, age, limit| Box::pin(delete(pool, age, limit))),
        }
    }

    /// The idempotency ledger's (`processed_event`), which every service
    /// with a database has.
    pub fn ledger() -> Self {
        Self::new("processed_event", |pool, age, limit| async move {
            store_idempotency::purge_older_than(&pool, age, limit).await
        })
    }
}

/// Runs a service's purges: at start, then every [`Retention::every`].
#[derive(Debug, Clone)]
pub struct Housekeeper {
    pool: PgPool,
    retention: Retention,
    purges: Vec<Purge>,
    purged: IntCounterVec,
}

impl Housekeeper {
    /// The housekeeper of `pool`, counting the rows it deletes in
    /// `store_rows_purged_total{table}`.
    pub fn new(
        pool: PgPool,
        retention: Retention,
        purges: Vec<Purge>,
        metrics: &Metrics,
    ) -> anyhow::Result<Self> {
        let purged = IntCounterVec::new(
            Opts::new(
                "store_rows_purged_total",
                "Rows deleted once older than the retention (RETENTION_DAYS), by table",
            ),
            &["table"],
        )
        .context("Failed to create the purge counter")?;
        metrics
            .registry()
            .register(Box::new(purged.clone()))
            .context("Failed to register the purge counter")?;
        Ok(Self {
            pool,
            retention,
            purges,
            purged,
        })
    }

    /// Deletes every table's rows older than the retention, a batch at a
    /// time; returns how many went per table. A table whose statement fails
    /// is logged and left to the next sweep; the others still go.
    pub async fn sweep(&self) -> Vec<(&'static str, u64)> {
        let mut swept = Vec::with_capacity(self.purges.len());
        for purge in &self.purges {
            let mut total = 0;
            loop {
                match (purge.delete)(self.pool.clone(), self.retention.age, BATCH).await {
                    Ok(deleted) => {
                        total += deleted;
                        self.purged
                            .with_label_values(&[purge.table])
                            .inc_by(deleted);
                        if deleted < u64::try_from(BATCH).unwrap_or(u64::MAX) {
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, table = purge.table, "failed to purge old rows");
                        break;
                    }
                }
            }
            if total > 0 {
                tracing::info!(
                    table = purge.table,
                    rows = total,
                    "purged rows older than the retention"
                );
            }
            swept.push((purge.table, total));
        }
        swept
    }

    /// Sweeps now and then every [`Retention::every`] until `shutdown`.
    pub fn spawn(self, shutdown: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = self.sweep() => {}
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(self.retention.every) => {}
                }
            }
        })
    }
}
