//! A tenant's inbound tokens, taken from its shared bucket in PostgreSQL a
//! lease at a time instead of one per message.
//!
//! Every webhook and web chat message of a tenant takes a token from one
//! bucket (`db::rate_limits`), shared by every replica. One row taken by
//! every request is a lock every request queues on: under load the gateway
//! ran at a tenth of its speed waiting for it. So each replica takes a
//! lease of tokens at once (a twentieth of the burst, at most
//! [`MAX_LEASE`]) and spends it locally; the bucket sees one take per
//! lease. What this changes: a replica may hold up to one lease it has
//! taken but not spent, so together the replicas admit at most the limit
//! (a token in a lease is already spent from the shared bucket) and refuse
//! slightly early when leases sit unspent; a lease unspent after
//! [`LEASE_LIFETIME`] is dropped, so an idle replica does not hold tokens
//! back for long. Near the limit, when a whole lease is refused, the
//! message's own tokens are asked for alone, so nothing is refused that the
//! bucket would have let in.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use sqlx::PgPool;
use tokio::sync::Mutex;

use crate::{
    db::rate_limits,
    domain::rate_limit::{Limited, Rate},
};

/// Most tokens in one lease.
pub const MAX_LEASE: u32 = 100;

/// How long a lease's tokens may wait to be spent.
pub const LEASE_LIFETIME: Duration = Duration::from_secs(1);

/// The leases this replica holds, per tenant. Cheap to clone.
#[derive(Clone, Default)]
pub struct TenantAllowance {
    leases: Arc<std::sync::Mutex<HashMap<String, Arc<Mutex<Lease>>>>>,
}

#[derive(Default)]
struct Lease {
    tokens: u32,
    taken_at: Option<Instant>,
}

impl TenantAllowance {
    /// Takes `count` tokens of `tenant`'s bucket (named `key`, of shape
    /// `rate`): from this replica's lease, or from the bucket.
    pub async fn take(
        &self,
        pool: &PgPool,
        key: &str,
        rate: Rate,
        count: u32,
    ) -> Result<Result<(), Limited>, sqlx::Error> {
        let lease = {
            let mut leases = self
                .leases
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(leases.entry(key.to_owned()).or_default())
        };
        // One refill at a time per tenant; the others wait for its lease.
        let mut lease = lease.lock().await;
        if lease
            .taken_at
            .is_some_and(|at| at.elapsed() > LEASE_LIFETIME)
        {
            *lease = Lease::default();
        }
        if lease.tokens >= count {
            lease.tokens -= count;
            return Ok(Ok(()));
        }
        let size = lease_size(rate);
        if count < size && rate_limits::take(pool, key, rate, size).await?.is_ok() {
            *lease = Lease {
                tokens: lease.tokens + size - count,
                taken_at: Some(Instant::now()),
            };
            return Ok(Ok(()));
        }
        // Near the limit (or more than a lease at once): just this.
        rate_limits::take(pool, key, rate, count).await
    }
}

/// Tokens in one lease of a bucket of shape `rate`.
fn lease_size(rate: Rate) -> u32 {
    (rate.burst / 20).clamp(1, MAX_LEASE)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_lease_is_a_twentieth_of_the_burst_within_bounds() {
        let rate = |burst| Rate::new(burst, Duration::from_millis(10)).unwrap();
        assert_eq!(lease_size(rate(600)), 30);
        assert_eq!(lease_size(rate(10)), 1);
        assert_eq!(lease_size(rate(1_000_000)), MAX_LEASE);
    }
}
