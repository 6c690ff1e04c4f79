//! The accounts' housekeeping, a background task of the service: expired
//! sessions deleted and failed sign-ins older than the throttling window
//! forgotten, every few minutes until shutdown. Every replica runs it;
//! the deletes are idempotent.

use std::time::Duration;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tower_sessions::ExpiredDeletion as _;

use super::{db::failures, session_store::PgSessionStore};

/// How often expired sessions and old failures are deleted.
pub const EVERY: Duration = Duration::from_secs(300);

/// Deletes expired sessions and old failed sign-ins every `every` until
/// `shutdown`; a failure is logged and tried again next time.
pub async fn run(pool: PgPool, every: Duration, shutdown: CancellationToken) {
    let store = PgSessionStore::new(pool.clone());
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = interval.tick() => {}
        }
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "Failed to delete expired sessions");
        }
        if let Err(error) = failures::purge(&pool).await {
            tracing::warn!(%error, "Failed to forget old failed sign-ins");
        }
    }
}
