//! The soak: steady load for a long time, then the verdict on whether the
//! services' memory or the store's queues grow.
//!
//! The criterion: after a warm-up (the first third of the run, or the time
//! every shopper takes to say each line of the script once, whichever is
//! longer: caches, pools and allocator arenas fill, and a path first taken
//! late — the first orders — steps memory up once), a least-squares line
//! is fitted to each series; its growth over that span (slope × span) must
//! stay within a limit:
//! - RSS of each service process: at most 10 % of its mean over the span,
//!   or 8 MiB, whichever is larger;
//! - messages queued in all the store's queues: at most the offered rate
//!   × 1 s, or 50 messages, whichever is larger.
//!
//! RabbitMQ's and PostgreSQL's memory is shown but not judged: on a shared
//! machine they serve others too.

use std::{collections::BTreeMap, time::Duration};

use crate::{report, sample::Sample};

/// The criterion, as the report states it.
pub const CRITERION: &str = "After a warm-up (the first third of the run, or the time every shopper takes to say \
each line of the script once, whichever is longer), a least-squares line is fitted to each series; its growth over that span must stay within the limit: each service's RSS \
at most 10 % of its mean or 8 MiB, whichever is larger; the messages queued in all the store's queues \
at most the offered rate × 1 s or 50, whichever is larger. RabbitMQ's and PostgreSQL's memory is shown, \
not judged (they serve the whole machine).\n";

/// How much the messages queued in all the store's queues may grow over a
/// run at `rate` msg/s: one second of the rate, or 50, whichever is larger.
pub fn queue_limit(rate: f64) -> f64 {
    rate.max(50.0)
}

/// The fitted growth of the messages queued over the samples taken in the
/// first `window` of a run (the load's, not the drain after it); `None`
/// when fewer than two samples have a depth.
pub fn queue_growth(samples: &[Sample], window: Duration) -> Option<f64> {
    let points: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.at <= window)
        .filter_map(|s| Some((s.at.as_secs_f64(), s.queued? as f64)))
        .collect();
    (points.len() >= 2).then(|| judge(&points, |_| 0.0).0)
}

/// The least-squares slope of `points` (x, y) per unit of x; 0 for fewer
/// than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx == 0.0 { 0.0 } else { sxy / sxx }
}

/// Whether the series `points` (seconds, value) grows: its fitted growth
/// over its span, its mean, and whether it stays within `limit(mean)`.
pub fn judge(points: &[(f64, f64)], limit: impl Fn(f64) -> f64) -> (f64, f64, f64, bool) {
    let span = match (points.first(), points.last()) {
        (Some(a), Some(b)) => b.0 - a.0,
        _ => 0.0,
    };
    let mean = points.iter().map(|p| p.1).sum::<f64>() / (points.len().max(1) as f64);
    let growth = slope(points) * span;
    let limit = limit(mean);
    (growth, mean, limit, growth <= limit)
}

/// The verdict table over `samples` of a soak at `rate` msg/s judged after
/// `warm_up` (at least the first third), and whether it passed.
pub fn verdict(samples: &[Sample], rate: f64, warm_up: Duration) -> (String, bool) {
    let end = samples.last().map_or(Duration::ZERO, |s| s.at);
    let from = warm_up.max(end / 3);
    let judged: Vec<&Sample> = samples.iter().filter(|s| s.at >= from).collect();
    let mut rows = BTreeMap::new();
    let mut passed = true;
    let names: Vec<String> = samples
        .first()
        .map(|s| s.procs.iter().map(|r| r.name.clone()).collect())
        .unwrap_or_default();
    const MIB: f64 = 1024.0 * 1024.0;
    for (i, name) in names.iter().enumerate() {
        let points: Vec<(f64, f64)> = judged
            .iter()
            .filter_map(|s| Some((s.at.as_secs_f64(), s.procs.get(i)?.rss_bytes as f64)))
            .collect();
        let infrastructure = name.starts_with("rabbitmq") || name.starts_with("postgresql");
        let (growth, mean, limit, ok) = judge(&points, |mean| (0.10 * mean).max(8.0 * MIB));
        passed &= ok || infrastructure;
        rows.insert(
            format!("{name} RSS"),
            (
                format!("{:.0} MiB", mean / MIB),
                format!("{:+.1} MiB", growth / MIB),
                if infrastructure {
                    "not judged".to_owned()
                } else {
                    format!("{:.1} MiB", limit / MIB)
                },
                match (infrastructure, ok) {
                    (true, _) => "—",
                    (false, true) => "flat",
                    (false, false) => "**GROWS**",
                },
            ),
        );
    }
    let queued: Vec<(f64, f64)> = judged
        .iter()
        .filter_map(|s| Some((s.at.as_secs_f64(), s.queued? as f64)))
        .collect();
    let (growth, mean, limit, ok) = judge(&queued, |_| queue_limit(rate));
    passed &= ok;
    rows.insert(
        "messages queued".to_owned(),
        (
            format!("{mean:.1}"),
            format!("{growth:+.1}"),
            format!("{limit:.0}"),
            if ok { "flat" } else { "**GROWS**" },
        ),
    );
    let table = format!(
        "Judged from {:.0} s of {:.0} s ({} samples).\n\n{}",
        from.as_secs_f64(),
        end.as_secs_f64(),
        judged.len(),
        report::verdicts(&rows)
    );
    (table, passed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_line_s_slope_is_found_and_a_flat_noisy_series_passes() {
        let line: Vec<(f64, f64)> = (0..10)
            .map(|x| (f64::from(x), 3.0 * f64::from(x) + 1.0))
            .collect();
        assert!((slope(&line) - 3.0).abs() < 1e-9);

        let flat: Vec<(f64, f64)> = (0..10)
            .map(|x| (f64::from(x), if x % 2 == 0 { 100.0 } else { 104.0 }))
            .collect();
        let (_, _, _, ok) = judge(&flat, |mean| 0.1 * mean);
        assert!(ok);

        let (growth, _, _, ok) = judge(&line, |_| 10.0);
        assert!((growth - 27.0).abs() < 1e-9);
        assert!(!ok);
    }

    fn sample(at: u64, queued: Option<u64>) -> Sample {
        Sample {
            at: Duration::from_secs(at),
            procs: Vec::new(),
            queued,
            deepest: Vec::new(),
        }
    }

    #[test]
    fn queues_falling_behind_through_a_step_are_told_from_a_drain_after_it() {
        // 100 more every 5 s through a 30 s step, then the drain.
        let behind: Vec<Sample> = (0..=8)
            .map(|i| sample(i * 5, Some(if i <= 6 { i * 100 } else { 0 })))
            .collect();
        let growth = queue_growth(&behind, Duration::from_secs(30)).unwrap();
        assert!((growth - 600.0).abs() < 1e-6, "{growth}");
        assert!(growth > queue_limit(96.0));

        // Up and down around a few messages: flat.
        let flat: Vec<Sample> = (0..=6)
            .map(|i| sample(i * 5, Some(if i % 2 == 0 { 3 } else { 9 })))
            .collect();
        let growth = queue_growth(&flat, Duration::from_secs(30)).unwrap();
        assert!(growth <= queue_limit(96.0), "{growth}");

        // The broker never said.
        assert_eq!(
            queue_growth(&[sample(0, None), sample(5, None)], Duration::from_secs(30)),
            None
        );
    }
}
