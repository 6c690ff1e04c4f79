//! The markdown tables a run prints, ready to paste.

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use hdrhistogram::Histogram;

use crate::{
    broker::Traffic,
    record::{Latencies, Tally},
    sample::{Sample, Snapshot},
};

/// `value` µs as milliseconds.
fn ms(micros: u64) -> String {
    if micros >= 10_000 {
        format!("{:.0} ms", micros as f64 / 1000.0)
    } else {
        format!("{:.1} ms", micros as f64 / 1000.0)
    }
}

/// p50 / p90 / p99 / max of `h`, or dashes when empty.
fn quantiles(h: &Histogram<u64>) -> [String; 4] {
    if h.is_empty() {
        return [
            "—".to_owned(),
            "—".to_owned(),
            "—".to_owned(),
            "—".to_owned(),
        ];
    }
    [
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.90)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max()),
    ]
}

fn per_second(n: u64, window: Duration) -> f64 {
    n as f64 / window.as_secs_f64().max(0.001)
}

/// Throughput, statuses and latencies of a run.
pub fn traffic(tally: &Tally) -> String {
    let mut out = String::new();
    let window = tally.window;
    let _ = writeln!(
        out,
        "| channel | sent | offered msg/s | accepted (2xx) | answered | answered msg/s (in window) | lost (no answer within deadline) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let mut rows: Vec<(String, crate::record::Counts)> = tally
        .counts
        .iter()
        .map(|(c, n)| (c.as_str().to_owned(), n.clone()))
        .collect();
    rows.push(("**all**".to_owned(), tally.total()));
    for (name, c) in &rows {
        let _ = writeln!(
            out,
            "| {name} | {} | {:.1} | {} | {} | {:.1} | {} |",
            c.sent,
            per_second(c.sent, window),
            c.accepted,
            c.answered,
            per_second(c.answered_in_window, window),
            c.sent - c.answered,
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| channel | HTTP p50 | HTTP p90 | HTTP p99 | HTTP max | end-to-end p50 | p90 | p99 | max |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut latencies: Vec<(String, Latencies)> = tally
        .latencies
        .iter()
        .map(|(c, l)| (c.as_str().to_owned(), l.clone()))
        .collect();
    latencies.push(("**all**".to_owned(), tally.all_latencies()));
    for (name, l) in &latencies {
        let [h50, h90, h99, hmax] = quantiles(&l.http);
        let [e50, e90, e99, emax] = quantiles(&l.end_to_end);
        let _ = writeln!(
            out,
            "| {name} | {h50} | {h90} | {h99} | {hmax} | {e50} | {e90} | {e99} | {emax} |"
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| requests (every one, redeliveries included) | HTTP status | count |"
    );
    let _ = writeln!(out, "|---|---|---:|");
    for ((what, status), n) in &tally.statuses {
        let _ = writeln!(out, "| {what} | {status} | {n} |");
    }
    let _ = writeln!(out, "\nnon-2xx or unanswered requests: {}", tally.non_2xx());
    for failure in &tally.failures {
        let _ = writeln!(out, "- {failure}");
    }
    let _ = writeln!(
        out,
        "\nmessages lost (not answered within the deadline): {}",
        tally.lost.len()
    );
    for lost in &tally.lost {
        let _ = writeln!(out, "- {lost}");
    }
    out
}

/// What the fake Graph and Bot API were sent.
pub fn sends(sends: &crate::outbound::Sends) -> String {
    format!(
        "Sent to the fake APIs: {} WhatsApp messages, {} Telegram messages; {} answers arrived after their message's deadline.\n",
        sends.whatsapp, sends.telegram, sends.late
    )
}

/// CPU and memory of each watched process over the samples.
pub fn resources(samples: &[Sample]) -> String {
    let mut out = String::new();
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return out;
    };
    let span = (last.at - first.at).as_secs_f64().max(0.001);
    let _ = writeln!(
        out,
        "| process | processes | CPU s | avg CPU (% of a core) | RSS start | RSS max | RSS end |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for (i, reading) in last.procs.iter().enumerate() {
        let start = first.procs.get(i).map_or(0.0, |r| r.cpu_seconds);
        let cpu = reading.cpu_seconds - start;
        let rss: Vec<u64> = samples
            .iter()
            .filter_map(|s| s.procs.get(i).map(|r| r.rss_bytes))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.0} % | {} | {} | {} |",
            reading.name,
            reading.processes,
            cpu,
            100.0 * cpu / span,
            mib(first.procs.get(i).map_or(0, |r| r.rss_bytes)),
            mib(rss.iter().copied().max().unwrap_or(0)),
            mib(reading.rss_bytes),
        );
    }
    out
}

/// Queue depths at each sample.
pub fn queues(samples: &[Sample]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| t | messages queued (all the store's queues) | deepest |"
    );
    let _ = writeln!(out, "|---:|---:|---|");
    for sample in samples {
        let deepest: Vec<String> = sample
            .deepest
            .iter()
            .map(|q| format!("{} {}", q.name, q.messages))
            .collect();
        let _ = writeln!(
            out,
            "| {:.0} s | {} | {} |",
            sample.at.as_secs_f64(),
            sample
                .queued
                .map_or_else(|| "?".to_owned(), |n| n.to_string()),
            deepest.join(", ")
        );
    }
    out
}

/// The cost of one shopper message: CPU per process, events published,
/// database commits and rows written, from two snapshots around a run
/// that answered `messages` messages.
pub fn cost(before: &Snapshot, after: &Snapshot, messages: u64) -> String {
    let mut out = String::new();
    let n = messages.max(1) as f64;
    let _ = writeln!(
        out,
        "Per shopper message ({messages} answered messages). `rabbitmq` and `postgresql` are the whole broker and database server, which serve everything else on this machine too; `postgresql: this store's backends` is only the backends connected to this store's databases (no WAL writer, checkpointer, autovacuum), and `postgresql: <database>` those of one service's database:\n"
    );
    let _ = writeln!(out, "| process | CPU ms / message |");
    let _ = writeln!(out, "|---|---:|");
    let (mut services, mut sellers) = (0.0, 0.0);
    for (name, cpu) in &after.cpu {
        let spent = cpu - before.cpu.get(name).copied().unwrap_or(0.0);
        if !crate::store::is_infrastructure(name) {
            services += spent;
        }
        if name.starts_with("seller") {
            sellers += spent;
        }
        let _ = writeln!(out, "| {name} | {:.2} |", 1000.0 * spent / n);
    }
    let _ = writeln!(out, "| **all sellers** | {:.2} |", 1000.0 * sellers / n);
    let _ = writeln!(out, "| **all services** | {:.2} |", 1000.0 * services / n);
    let _ = writeln!(out);
    if let (Some(b), Some(a)) = (before.published, after.published) {
        let _ = writeln!(
            out,
            "Events published to the store's exchange: {} ({:.2} per message).\n",
            a.saturating_sub(b),
            a.saturating_sub(b) as f64 / n
        );
    }
    if let (Some(b), Some(a)) = (&before.traffic, &after.traffic) {
        out.push_str(&queue_traffic(b, a, n));
    }
    let _ = writeln!(
        out,
        "| database | commits / message | rows inserted / message | rows updated / message | rows deleted / message |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    let databases = after.databases.iter().map(|(name, counters)| {
        let d = counters.since(&before.databases.get(name).copied().unwrap_or_default());
        (
            name.as_str(),
            [d.commits, d.inserted, d.updated, d.deleted]
                .map(|c| c as f64)
                .to_vec(),
        )
    });
    per_message_rows(&mut out, databases, n);
    out
}

/// Writes a table row per `(name, counts)`, each count divided by the
/// `n` messages, then a bold `all` row of their sums.
fn per_message_rows<'a>(
    out: &mut String,
    rows: impl IntoIterator<Item = (&'a str, Vec<f64>)>,
    n: f64,
) {
    let row = |out: &mut String, name: &str, counts: &[f64]| {
        let cells: Vec<String> = counts.iter().map(|c| format!("{:.2}", c / n)).collect();
        let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
    };
    let mut total: Vec<f64> = Vec::new();
    for (name, counts) in rows {
        total.resize(total.len().max(counts.len()), 0.0);
        for (sum, c) in total.iter_mut().zip(&counts) {
            *sum += c;
        }
        row(out, name, &counts);
    }
    row(out, "**all**", &total);
}

/// Copies the store's queues took in and handed out per message, by queue
/// family, busiest first.
fn queue_traffic(
    before: &BTreeMap<String, Traffic>,
    after: &BTreeMap<String, Traffic>,
    n: f64,
) -> String {
    let mut out = String::new();
    let mut rows: Vec<(&String, Traffic)> = after
        .iter()
        .map(|(family, t)| {
            (
                family,
                t.since(&before.get(family).copied().unwrap_or_default()),
            )
        })
        .filter(|(_, t)| t.queued > 0 || t.delivered > 0)
        .collect();
    rows.sort_by(|a, b| b.1.queued.cmp(&a.1.queued).then(a.0.cmp(b.0)));
    let _ = writeln!(
        out,
        "Copies in the store's queues (each a write to a quorum queue's log, except the classic lease and presence queues, which take none; request/reply answers go to the requester's own reply queue through the default exchange and are not counted here):\n"
    );
    let _ = writeln!(out, "| queues | queued / message | delivered / message |");
    let _ = writeln!(out, "|---|---:|---:|");
    let rows = rows
        .into_iter()
        .map(|(family, t)| (family.as_str(), vec![t.queued as f64, t.delivered as f64]));
    per_message_rows(&mut out, rows, n);
    out.push('\n');
    out
}

/// Bytes as MiB.
pub fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// One step of a capacity search.
#[derive(Debug, Clone)]
pub struct Step {
    /// Offered messages per second.
    pub offered: f64,
    /// Answered within the step's window, per second.
    pub achieved: f64,
    /// End-to-end p50, p90, p99 (µs).
    pub end_to_end: [u64; 3],
    /// HTTP p99 (µs).
    pub http_p99: u64,
    /// Not answered within the deadline.
    pub lost: u64,
    /// Non-2xx or unanswered requests.
    pub non_2xx: u64,
    /// Fitted growth of the messages in all the store's queues over the
    /// step (`None`: the broker did not say).
    pub queue_growth: Option<f64>,
    /// Whether the store sustained it.
    pub sustained: bool,
}

/// The capacity search's table.
pub fn capacity(steps: &[Step], target: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| offered msg/s | achieved msg/s | end-to-end p50 | p90 | p99 | HTTP p99 | lost | non-2xx (redelivered) | queued: growth over the step | sustained (p99 ≤ {} ms, nothing lost, queues within one second of the rate) |",
        target.as_millis()
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for s in steps {
        let _ = writeln!(
            out,
            "| {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.offered,
            s.achieved,
            ms(s.end_to_end[0]),
            ms(s.end_to_end[1]),
            ms(s.end_to_end[2]),
            ms(s.http_p99),
            s.lost,
            s.non_2xx,
            s.queue_growth
                .map_or_else(|| "?".to_owned(), |g| format!("{g:+.0}")),
            if s.sustained { "yes" } else { "**no**" }
        );
    }
    out
}

/// A soak's series: RSS of each process and the queue depth per sample.
pub fn soak_series(samples: &[Sample]) -> String {
    let mut out = String::new();
    let Some(first) = samples.first() else {
        return out;
    };
    let names: Vec<&str> = first.procs.iter().map(|r| r.name.as_str()).collect();
    let _ = writeln!(out, "| t | {} | queued |", names.join(" RSS | ") + " RSS");
    let _ = writeln!(out, "|---:|{}---:|", "---:|".repeat(names.len()));
    for s in samples {
        let rss: Vec<String> = s.procs.iter().map(|r| mib(r.rss_bytes)).collect();
        let _ = writeln!(
            out,
            "| {:.0} s | {} | {} |",
            s.at.as_secs_f64(),
            rss.join(" | "),
            s.queued.map_or_else(|| "?".to_owned(), |n| n.to_string())
        );
    }
    out
}

/// A table of verdicts: series, mean, fitted growth, limit, verdict.
pub fn verdicts(rows: &BTreeMap<String, (String, String, String, &str)>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| series | mean (judged span) | fitted growth over the judged span | limit | verdict |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---|");
    for (name, (mean, growth, limit, verdict)) in rows {
        let _ = writeln!(out, "| {name} | {mean} | {growth} | {limit} | {verdict} |");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_message_rows_divide_by_the_messages_and_sum_every_column() {
        let mut out = String::new();
        per_message_rows(
            &mut out,
            [("a", vec![10.0, 4.0]), ("b", vec![30.0, 0.0])],
            10.0,
        );
        assert_eq!(
            out,
            "| a | 1.00 | 0.40 |\n| b | 3.00 | 0.00 |\n| **all** | 4.00 | 0.40 |\n"
        );
    }

    #[test]
    fn queue_traffic_counts_only_what_moved_during_the_run() {
        let before = BTreeMap::from([
            (
                "seller.*.*.shard-*".to_owned(),
                Traffic {
                    queued: 100,
                    delivered: 100,
                },
            ),
            (
                "catalog.products".to_owned(),
                Traffic {
                    queued: 7,
                    delivered: 7,
                },
            ),
        ]);
        let after = BTreeMap::from([
            (
                "seller.*.*.shard-*".to_owned(),
                Traffic {
                    queued: 120,
                    delivered: 118,
                },
            ),
            (
                "catalog.products".to_owned(),
                Traffic {
                    queued: 7,
                    delivered: 7,
                },
            ),
            (
                "sales-assistant.inbox.shard-*".to_owned(),
                Traffic {
                    queued: 60,
                    delivered: 60,
                },
            ),
        ]);
        let table = queue_traffic(&before, &after, 20.0);
        assert!(table.contains("| sales-assistant.inbox.shard-* | 3.00 | 3.00 |\n| seller.*.*.shard-* | 1.00 | 0.90 |\n| **all** | 4.00 | 3.90 |"), "{table}");
        assert!(!table.contains("catalog.products"), "{table}");
    }
}
