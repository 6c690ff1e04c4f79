//! Token buckets keyed by a session or a client address, kept in this
//! process: the limits are per replica (N replicas admit up to N times as
//! much). No I/O and no clock of its own: every call is given `now`, so the
//! tests drive time.
//!
//! Each bucket is stored as its "theoretical arrival time" (GCRA): the
//! moment it will be full again. A bucket full by `now` is the same as no
//! bucket, so idle keys are evicted without changing any answer, and memory
//! holds only the keys active within one refill of a whole burst (plus a
//! hard cap).

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// A bucket's shape: `burst` tokens, one more every `refill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Tokens of a full bucket: requests allowed in a row.
    pub burst: u32,
    /// Time to earn one token back.
    pub refill: Duration,
}

impl Rate {
    /// `burst` tokens, one more every `refill`; `None` if either is zero.
    pub fn new(burst: u32, refill: Duration) -> Option<Self> {
        (burst > 0 && !refill.is_zero()).then_some(Self { burst, refill })
    }

    /// How far ahead of `now` a bucket may be and still take a token.
    fn tolerance(self) -> Duration {
        self.refill.saturating_mul(self.burst.saturating_sub(1))
    }
}

/// A refused request: when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Time until a token is there.
    pub retry_after: Duration,
}

impl Limited {
    /// `retry_after` in whole seconds, rounded up, at least 1 (for the
    /// `Retry-After` header).
    pub fn retry_after_secs(self) -> u64 {
        let secs = self.retry_after.as_secs();
        let secs = if self.retry_after.subsec_nanos() > 0 {
            secs + 1
        } else {
            secs
        };
        secs.max(1)
    }
}

/// Token buckets by key, behind one lock (each call is a few map
/// operations).
#[derive(Debug)]
pub struct RateLimiter<K> {
    rate: Rate,
    max_keys: usize,
    buckets: Mutex<Buckets<K>>,
}

#[derive(Debug)]
struct Buckets<K> {
    /// Key → when its bucket is full again.
    full_at: HashMap<K, Instant>,
    /// Size at which idle buckets are evicted next.
    sweep_at: usize,
}

/// Size below which no sweep is attempted.
const MIN_SWEEP: usize = 1024;

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// Buckets of `rate`, at most `max_keys` of them (over that, the bucket
    /// nearest to full is dropped, i.e. forgiven).
    pub fn new(rate: Rate, max_keys: usize) -> Self {
        Self {
            rate,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(Buckets {
                full_at: HashMap::new(),
                sweep_at: MIN_SWEEP,
            }),
        }
    }

    /// The shape of the buckets.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes a token from `key`'s bucket at `now`, or says when one will be
    /// there.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Limited> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let full_at = buckets.full_at.get(key).copied().unwrap_or(now).max(now);
        let ahead = full_at - now;
        let tolerance = self.rate.tolerance();
        if ahead > tolerance {
            return Err(Limited {
                retry_after: ahead - tolerance,
            });
        }
        let next = full_at + self.rate.refill;
        if buckets.full_at.insert(key.clone(), next).is_none() {
            buckets.make_room(now, self.max_keys);
        }
        Ok(())
    }

    /// Drops the buckets that are full by `now` (they change nothing).
    pub fn evict_idle(&self, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets.full_at.retain(|_, full_at| *full_at > now);
    }

    /// Buckets held.
    pub fn len(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .full_at
            .len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq> Buckets<K> {
    /// After an insertion: evicts idle buckets when the map has doubled
    /// since the last sweep, and the nearest-to-full ones over `max_keys`.
    fn make_room(&mut self, now: Instant, max_keys: usize) {
        if self.full_at.len() >= self.sweep_at.min(max_keys) {
            self.full_at.retain(|_, full_at| *full_at > now);
            self.sweep_at = (self.full_at.len() * 2).max(MIN_SWEEP);
        }
        while self.full_at.len() > max_keys {
            let Some(nearest) = self
                .full_at
                .iter()
                .min_by_key(|(_, full_at)| **full_at)
                .map(|(_, full_at)| *full_at)
            else {
                return;
            };
            self.full_at.retain(|_, full_at| *full_at != nearest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, refill_secs: u64) -> RateLimiter<&'static str> {
        RateLimiter::new(
            Rate::new(burst, Duration::from_secs(refill_secs)).unwrap_or_else(|| unreachable!()),
            100,
        )
    }

    #[test]
    fn a_full_bucket_allows_a_burst_then_refuses_until_a_refill() {
        let limiter = limiter(10, 3);
        let t0 = Instant::now();

        let allowed = (0..10).filter(|_| limiter.check(&"s", t0).is_ok()).count();
        let refused = limiter.check(&"s", t0);

        assert_eq!(allowed, 10);
        assert_eq!(
            refused,
            Err(Limited {
                retry_after: Duration::from_secs(3)
            })
        );
        assert_eq!(refused.err().map(Limited::retry_after_secs), Some(3));
    }

    #[test]
    fn tokens_come_back_one_per_refill() {
        let limiter = limiter(2, 3);
        let t0 = Instant::now();
        assert!(limiter.check(&"s", t0).is_ok());
        assert!(limiter.check(&"s", t0).is_ok());

        let too_soon = limiter.check(&"s", t0 + Duration::from_secs(2));
        let refilled = limiter.check(&"s", t0 + Duration::from_secs(3));
        let again = limiter.check(&"s", t0 + Duration::from_secs(3));
        let long_after = (0..2)
            .filter(|_| limiter.check(&"s", t0 + Duration::from_secs(60)).is_ok())
            .count();

        assert_eq!(
            too_soon,
            Err(Limited {
                retry_after: Duration::from_secs(1)
            })
        );
        assert!(refilled.is_ok());
        assert!(again.is_err());
        assert_eq!(long_after, 2, "a bucket never holds more than its burst");
    }

    #[test]
    fn keys_have_buckets_of_their_own() {
        let limiter = limiter(1, 30);
        let t0 = Instant::now();

        assert!(limiter.check(&"a", t0).is_ok());
        assert!(limiter.check(&"a", t0).is_err());
        assert!(limiter.check(&"b", t0).is_ok());
    }

    #[test]
    fn idle_buckets_are_evicted_and_busy_ones_kept() {
        let limiter = limiter(2, 3);
        let t0 = Instant::now();
        assert!(limiter.check(&"idle", t0).is_ok());
        assert!(limiter.check(&"busy", t0 + Duration::from_secs(2)).is_ok());

        limiter.evict_idle(t0 + Duration::from_secs(4));

        assert_eq!(limiter.len(), 1);
        // The busy bucket still remembers its token.
        assert!(limiter.check(&"busy", t0 + Duration::from_secs(4)).is_ok());
        assert!(limiter.check(&"busy", t0 + Duration::from_secs(4)).is_err());
    }

    #[test]
    fn a_sub_second_wait_is_reported_as_one_second() {
        let limited = Limited {
            retry_after: Duration::from_millis(1200),
        };

        assert_eq!(limited.retry_after_secs(), 2);
        assert_eq!(
            Limited {
                retry_after: Duration::from_millis(10)
            }
            .retry_after_secs(),
            1
        );
    }

    #[test]
    fn memory_is_bounded_by_max_keys() {
        let limiter: RateLimiter<u32> = RateLimiter::new(
            Rate::new(1, Duration::from_secs(30)).unwrap_or_else(|| unreachable!()),
            10,
        );
        let t0 = Instant::now();

        for (i, key) in (0..50_u32).enumerate() {
            let now = t0 + Duration::from_millis(u64::try_from(i).unwrap_or_default());
            assert!(limiter.check(&key, now).is_ok());
        }

        assert_eq!(limiter.len(), 10);
        // The newest keys are kept.
        assert!(limiter.check(&49, t0 + Duration::from_millis(50)).is_err());
    }
}
