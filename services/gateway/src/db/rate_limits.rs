//! Token buckets in PostgreSQL, so a limit holds across every replica of
//! the gateway (N replicas admit what one would, not N times as much).
//!
//! Each bucket is one `rate_limit` row holding its theoretical arrival time
//! (GCRA, see `domain::rate_limit`): taking a token is one upsert that moves
//! the time on by one refill, and only when the bucket would not overflow.
//! `INSERT … ON CONFLICT DO UPDATE … WHERE` locks the row and evaluates the
//! condition against its latest committed version, so two replicas taking
//! the last token at once cannot both get it. One round trip per check.

use std::time::Duration;

use sqlx::PgPool;

use crate::domain::rate_limit::{Limited, Rate};

/// Takes `cost` tokens from bucket `key` of shape `rate`: `Ok(Err(limited))`
/// when the bucket holds fewer (nothing is changed then; more than a whole
/// burst is never there).
pub async fn take(
    pool: &PgPool,
    key: &str,
    rate: Rate,
    cost: u32,
) -> Result<Result<(), Limited>, sqlx::Error> {
    let step = rate.refill.as_secs_f64();
    // More than a whole burst at once takes the whole (full) bucket.
    let refill = step * f64::from(cost.clamp(1, rate.burst));
    // GCRA for `cost` tokens: the bucket may run at most this far ahead of
    // now before the take (a whole burst less the tokens taken).
    let tolerance = rate.tolerance().as_secs_f64() + step - refill;
    let row = sqlx::query!(
        r#"
        with prior as (select tat from rate_limit where key = $1),
        taken as (
            insert into rate_limit as bucket (key, tat)
            values ($1, now() + make_interval(secs => $2))
            on conflict (key) do update
                set tat = greatest(bucket.tat, now()) + make_interval(secs => $2)
                where greatest(bucket.tat, now()) <= now() + make_interval(secs => $3)
            returning tat
        )
        select
            exists(select 1 from taken) as "taken!",
            extract(epoch from (
                greatest((select tat from prior), now())
                - make_interval(secs => $3) - now()
            ))::float8 as "wait_secs"
        "#,
        key,
        refill,
        tolerance,
    )
    .fetch_one(pool)
    .await?;
    if row.taken {
        return Ok(Ok(()));
    }
    let wait = row.wait_secs.unwrap_or(step).clamp(0.0, 86_400.0);
    Ok(Err(Limited {
        retry_after: Duration::from_secs_f64(wait).max(Duration::from_millis(1)),
    }))
}

/// Deletes the buckets that are full again (they change no answer).
pub async fn delete_idle(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("delete from rate_limit where tat < now()")
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}
