//! Failed sign-ins (`signin_failure`), counted per email address and per
//! network address for [`throttle`](crate::accounts::throttle).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::accounts::throttle::{self, PER_ACCOUNT, PER_ADDRESS};

/// Records a failed sign-in as `email` from `address`.
#[tracing::instrument(skip_all)]
pub async fn record(pool: &PgPool, email: &str, address: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into signin_failure (email, address) values ($1, $2)",
        email,
        address
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Until when sign-ins as `email` or from `address` are refused; `None`
/// when they are not.
#[tracing::instrument(skip_all)]
pub async fn locked_until(
    pool: &PgPool,
    email: &str,
    address: &str,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let since = Utc::now() - throttle::WINDOW;
    // The failure that filled each allowance: the limit-th most recent one.
    let account = sqlx::query_scalar!(
        "select at from signin_failure where email = $1 and at > $2
         order by at desc offset $3 limit 1",
        email,
        since,
        PER_ACCOUNT - 1
    )
    .fetch_optional(pool)
    .await?;
    let network = sqlx::query_scalar!(
        "select at from signin_failure where address = $1 and at > $2
         order by at desc offset $3 limit 1",
        address,
        since,
        PER_ADDRESS - 1
    )
    .fetch_optional(pool)
    .await?;
    let now = Utc::now();
    Ok(throttle::locked_until(account, now).max(throttle::locked_until(network, now)))
}

/// Forgets the failures of `email` (after it signed in).
#[tracing::instrument(skip_all)]
pub async fn clear(pool: &PgPool, email: &str) -> sqlx::Result<()> {
    sqlx::query!("delete from signin_failure where email = $1", email)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets failures older than the window: they count no more.
#[tracing::instrument(skip_all)]
pub async fn purge(pool: &PgPool) -> sqlx::Result<u64> {
    let before = Utc::now() - throttle::WINDOW;
    Ok(
        sqlx::query!("delete from signin_failure where at < $1", before)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
