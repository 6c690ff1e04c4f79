//! Throttling guessed passwords: at most [`PER_ACCOUNT`] failed sign-ins
//! for one email address and [`PER_ADDRESS`] from one network address in
//! any [`WINDOW`]. Past that, every sign-in of that account or from that
//! address is refused, the right password too, until enough failures have
//! left the window. Refused attempts are not counted, so waiting always
//! ends a lockout.

use chrono::{DateTime, TimeDelta, Utc};

/// The window failures are counted in.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failed sign-ins of one email address allowed in [`WINDOW`].
pub const PER_ACCOUNT: i64 = 5;
/// Failed sign-ins from one network address allowed in [`WINDOW`].
pub const PER_ADDRESS: i64 = 20;

/// When a lockout ends, from the failure that filled the allowance (the
/// `limit`-th most recent one in the window, if there are that many): the
/// count drops below the limit when that one leaves the window. `None`:
/// not locked out.
pub fn locked_until(
    filling_failure: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    filling_failure
        .map(|at| at + WINDOW)
        .filter(|until| *until > now)
}

/// Whole seconds until `until` (at least 1), for `Retry-After`.
pub fn retry_after_secs(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let millis = u64::try_from((until - now).num_milliseconds()).unwrap_or(0);
    millis.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    #[test]
    fn given_the_allowance_filled_10_minutes_ago_the_lockout_ends_in_5() {
        let until = locked_until(Some(t(0)), t(600));

        assert_eq!(until, Some(t(900)));
        assert_eq!(retry_after_secs(t(900), t(600)), 300);
    }

    #[test]
    fn given_the_filling_failure_left_the_window_there_is_no_lockout() {
        assert_eq!(locked_until(Some(t(0)), t(900)), None);
        assert_eq!(locked_until(None, t(0)), None);
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(
            retry_after_secs(t(10) + TimeDelta::milliseconds(1), t(10)),
            1
        );
        assert_eq!(retry_after_secs(t(10), t(10)), 1);
        assert_eq!(
            retry_after_secs(t(12), t(10) + TimeDelta::milliseconds(500)),
            2
        );
    }
}
