//! Token buckets in PostgreSQL, so a limit holds across every replica of
//! the gateway (N replicas admit what one would, not N times as much).
//!
//! Each bucket is one `rate_limit` row holding its theoretical arrival time
//! (GCRA, see `domain::rate_limit`): taking a token is one upsert that moves
//! the time on by one refill, and only when the bucket would not overflow.
//! `INSERT … ON CONFLICT DO UPDATE … WHERE` locks the row and evaluates the
//! condition against its latest committed version, so two replicas taking
//! the last token at once cannot both get it. One statement takes from many
//! buckets at once (`Takes`, the shoppers' of concurrent webhooks); [`take`]
//! is that statement with one bucket.

use std::time::Duration;

use sqlx::PgPool;

use super::batch::{Batcher, Statement};
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
    // The batched statement with one bucket in it: one formula for both.
    let take = Take {
        pool: pool.clone(),
        rate,
    };
    take.run(vec![(key.to_owned(), cost)])
        .await?
        .pop()
        .ok_or_else(|| sqlx::Error::Protocol("a bucket's take returned no row".into()))
}

/// Takes from many buckets of one shape in one statement: the shoppers of
/// every webhook waiting at the moment (`db::batch`). Each item is a bucket
/// and its cost; a bucket appears once per statement (its conflict key).
pub type Takes = Batcher<(String, u32), Result<(), Limited>>;

/// Starts the batched takes of buckets shaped `rate` on `pool`.
pub fn takes(pool: PgPool, rate: Rate, in_flight: usize) -> Takes {
    Batcher::start(Take { pool, rate }, in_flight)
}

struct Take {
    pool: PgPool,
    rate: Rate,
}

impl Statement<(String, u32), Result<(), Limited>> for Take {
    #[tracing::instrument(name = "rate_limit_take", skip_all, fields(buckets = items.len()))]
    async fn run(
        &self,
        items: Vec<(String, u32)>,
    ) -> Result<Vec<Result<(), Limited>>, sqlx::Error> {
        let rate = self.rate;
        let step = rate.refill.as_secs_f64();
        let (mut keys, mut refills) = (Vec::new(), Vec::new());
        for (key, cost) in &items {
            keys.push(key.as_str());
            refills.push(step * f64::from((*cost).clamp(1, rate.burst)));
        }
        // GCRA for `cost` tokens, per row: a bucket may run at most its
        // tolerance ahead of now before the take — a whole burst less its
        // cost, `$3 - refill` (the refill is `excluded.tat - now()`). More
        // than a whole burst at once takes the whole (full) bucket.
        let rows = sqlx::query!(
            r#"
            with ask as (
                select * from unnest($1::text[], $2::float8[]) with ordinality as a(key, refill, i)
            ),
            taken as (
                insert into rate_limit as bucket (key, tat)
                select key, now() + make_interval(secs => refill) from ask
                on conflict (key) do update
                    set tat = greatest(bucket.tat, now()) + (excluded.tat - now())
                    where greatest(bucket.tat, now())
                        <= now() + make_interval(secs => $3) - (excluded.tat - now())
                returning key
            )
            -- The bucket as it was: the statement's reads do not see its
            -- own upsert.
            select
                taken.key is not null as "taken!",
                extract(epoch from (
                    greatest((select tat from rate_limit r where r.key = ask.key), now())
                    - make_interval(secs => $3) + make_interval(secs => ask.refill) - now()
                ))::float8 as "wait_secs"
            from ask left join taken on taken.key = ask.key
            order by ask.i
            "#,
            &keys as &[&str],
            &refills,
            rate.tolerance().as_secs_f64() + step,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                if row.taken {
                    return Ok(());
                }
                let wait = row.wait_secs.unwrap_or(step).clamp(0.0, 86_400.0);
                Err(Limited {
                    retry_after: Duration::from_secs_f64(wait).max(Duration::from_millis(1)),
                })
            })
            .collect())
    }

    fn conflict_key(&self, (key, _): &(String, u32)) -> Option<String> {
        Some(key.clone())
    }
}

/// Deletes the buckets that are full again (they change no answer).
pub async fn delete_idle(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("delete from rate_limit where tat < now()")
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}
