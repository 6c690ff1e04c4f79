//! Effectively-once event handling on top of at-least-once delivery.
//!
//! RabbitMQ may deliver an event more than once (a crash between commit and
//! ack, a reconnect, a publisher retry). A handler that writes to PostgreSQL
//! calls [`claim`] inside the transaction that holds its writes: the first
//! delivery inserts `(consumer, event id)` into `processed_event` and goes on;
//! a redelivery finds the row and skips its work. Because the row commits or
//! rolls back with the handler's own writes, "processed" and "effect applied"
//! can never disagree. A concurrent duplicate blocks on the primary key until
//! the first transaction ends, then sees the row.
//!
//! ```no_run
//! # async fn demo(pool: sqlx::PgPool, event_id: &str) -> Result<(), sqlx::Error> {
//! let mut tx = pool.begin().await?;
//! if store_idempotency::claim(&mut tx, "order-processor", event_id, "store.order.create").await?.is_duplicate() {
//!     return Ok(()); // already applied: ack and move on
//! }
//! // ... the handler's writes, on &mut *tx ...
//! tx.commit().await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use sqlx::{PgConnection, PgPool, migrate::Migrator};

/// The ledger's migrations. Their versions are dated before any service's,
/// and they run with `ignore_missing` so they can share `_sqlx_migrations`
/// with the service's own migrator (which must also ignore missing versions).
pub fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_ignore_missing(true);
    migrator
}

/// Creates the ledger table if it is not there.
#[tracing::instrument(skip_all)]
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    migrator().run(pool).await
}

/// Whether this delivery is the first of its event for this consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First time: apply the effect.
    First,
    /// Already applied by an earlier delivery: skip.
    Duplicate,
}

impl Claim {
    /// True for [`Claim::Duplicate`].
    pub fn is_duplicate(self) -> bool {
        self == Claim::Duplicate
    }
}

/// Records that `consumer` is applying `event_id`, inside the caller's
/// transaction. Returns [`Claim::Duplicate`] if it was already applied.
#[tracing::instrument(
    level = "debug",
    skip_all,
    fields(consumer = %consumer, event.id = %event_id, event.type = %event_type, duplicate)
)]
pub async fn claim(
    conn: &mut PgConnection,
    consumer: &str,
    event_id: &str,
    event_type: &str,
) -> Result<Claim, sqlx::Error> {
    let inserted = sqlx::query!(
        "insert into processed_event (consumer, event_id, event_type) values ($1, $2, $3) \
         on conflict (consumer, event_id) do nothing",
        consumer,
        event_id,
        event_type,
    )
    .execute(conn)
    .await?
    .rows_affected();
    let claim = if inserted == 1 {
        Claim::First
    } else {
        Claim::Duplicate
    };
    tracing::Span::current().record("duplicate", claim.is_duplicate());
    Ok(claim)
}

/// Deletes at most `limit` ledger rows older than `age` (keep it well
/// beyond the longest redelivery window, e.g. days); returns how many were
/// deleted. Call it again while it returns `limit`.
#[tracing::instrument(skip_all, fields(age_secs = age.as_secs(), deleted))]
pub async fn purge_older_than(
    pool: &PgPool,
    age: Duration,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let seconds = age.as_secs_f64();
    let deleted = sqlx::query!(
        "delete from processed_event where ctid = any(array(\
         select ctid from processed_event \
         where created_at < now() - make_interval(secs => $1) limit $2))",
        seconds,
        limit,
    )
    .execute(pool)
    .await?
    .rows_affected();
    tracing::Span::current().record("deleted", deleted);
    Ok(deleted)
}
