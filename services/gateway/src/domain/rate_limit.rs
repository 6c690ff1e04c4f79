//! The shape of a token bucket ([`Rate`]) and a refusal ([`Limited`]). The
//! buckets themselves live in PostgreSQL (`db::rate_limits`), shared by
//! every replica: each is stored as its "theoretical arrival time" (GCRA),
//! the moment it will be full again, so a bucket full by now is the same as
//! no bucket and idle ones are deleted without changing any answer.

use std::time::Duration;

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
    pub(crate) fn tolerance(self) -> Duration {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_second_wait_is_reported_as_one_second() {
        let limited = Limited {
            retry_after: Duration::from_millis(10),
        };
        assert_eq!(limited.retry_after_secs(), 1);
        let limited = Limited {
            retry_after: Duration::from_millis(2001),
        };
        assert_eq!(limited.retry_after_secs(), 3);
    }

    #[test]
    fn a_burst_of_n_tolerates_n_minus_one_refills_ahead() {
        let rate = Rate::new(3, Duration::from_secs(10)).expect("a rate");
        assert_eq!(rate.tolerance(), Duration::from_secs(20));
        assert_eq!(Rate::new(0, Duration::from_secs(1)), None);
        assert_eq!(Rate::new(1, Duration::ZERO), None);
    }
}
