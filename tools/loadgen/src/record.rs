//! What happened to every shopper message of a run: counts by channel,
//! HTTP statuses (each non-2xx kept with its body), and the HTTP and
//! end-to-end latencies as HDR histograms (microseconds, three significant
//! digits).

use std::{
    collections::BTreeMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;

use crate::channel::Channel;

/// One message's fate.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// When its webhook (or post) was sent.
    pub sent: Instant,
    /// When the gateway answered, and with which status.
    pub http: Option<(Instant, u16)>,
    /// A non-2xx's body, or why there was no answer.
    pub failure: Option<String>,
    /// When its answer reached the shopper's side.
    pub answered: Option<Instant>,
}

impl Outcome {
    /// The gateway answered `status` at `at`.
    pub fn http(sent: Instant, at: Instant, status: u16) -> Self {
        Self {
            sent,
            http: Some((at, status)),
            failure: None,
            answered: None,
        }
    }

    /// No HTTP answer at all (`why`).
    pub fn refused(sent: Instant, why: String) -> Self {
        Self {
            sent,
            http: None,
            failure: Some(why),
            answered: None,
        }
    }

    /// Whether the gateway took it (2xx).
    pub fn accepted(&self) -> bool {
        self.http.is_some_and(|(_, s)| (200..300).contains(&s))
    }
}

/// Counts of one channel (or all).
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Messages sent.
    pub sent: u64,
    /// Answered 2xx by the gateway.
    pub accepted: u64,
    /// Answered within the deadline.
    pub answered: u64,
    /// Answers that arrived while the run was still sending.
    pub answered_in_window: u64,
}

/// The latencies of one channel (or all), in microseconds.
#[derive(Debug, Clone)]
pub struct Latencies {
    /// Webhook sent → gateway's HTTP answer.
    pub http: Histogram<u64>,
    /// Webhook sent → answer received.
    pub end_to_end: Histogram<u64>,
}

impl Latencies {
    fn new() -> Self {
        Self {
            http: histogram(),
            end_to_end: histogram(),
        }
    }
}

/// An empty histogram from 1 µs to 10 minutes.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3)
        .expect("1 ≤ low, high ≥ 2·low and 3 significant digits are valid bounds")
}

/// Everything recorded so far.
#[derive(Debug, Clone)]
pub struct Tally {
    /// When the run started sending.
    pub started: Instant,
    /// When it stopped sending (set at the end).
    pub window: Duration,
    /// Counts per channel.
    pub counts: BTreeMap<Channel, Counts>,
    /// Latencies per channel.
    pub latencies: BTreeMap<Channel, Latencies>,
    /// Requests per (what, HTTP status or `no answer`).
    pub statuses: BTreeMap<(String, String), u64>,
    /// Every non-2xx or failed request: what, status and body.
    pub failures: Vec<String>,
}

impl Tally {
    /// All channels' counts added up.
    pub fn total(&self) -> Counts {
        self.counts.values().fold(Counts::default(), |mut t, c| {
            t.sent += c.sent;
            t.accepted += c.accepted;
            t.answered += c.answered;
            t.answered_in_window += c.answered_in_window;
            t
        })
    }

    /// All channels' latencies merged.
    pub fn all_latencies(&self) -> Latencies {
        let mut all = Latencies::new();
        for l in self.latencies.values() {
            // Same bounds everywhere: adding cannot fail.
            let _ = all.http.add(&l.http);
            let _ = all.end_to_end.add(&l.end_to_end);
        }
        all
    }

    /// Requests answered with anything but 2xx, or not answered.
    pub fn non_2xx(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|((_, status), _)| !status.starts_with('2'))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The recorder shared by a run's shoppers.
pub struct Recorder {
    tally: Mutex<Tally>,
}

impl Recorder {
    /// A recorder for a run starting now.
    pub fn new() -> Self {
        Self {
            tally: Mutex::new(Tally {
                started: Instant::now(),
                window: Duration::ZERO,
                counts: BTreeMap::new(),
                latencies: BTreeMap::new(),
                statuses: BTreeMap::new(),
                failures: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The run stopped sending now.
    pub fn close_window(&self) {
        let mut tally = self.lock();
        tally.window = tally.started.elapsed();
    }

    /// Records one message.
    pub fn record(&self, channel: Channel, outcome: Outcome) {
        let mut tally = self.lock();
        let window_end = (tally.window > Duration::ZERO).then(|| tally.started + tally.window);
        let status = outcome
            .http
            .map_or_else(|| "no answer".to_owned(), |(_, s)| s.to_string());
        *tally
            .statuses
            .entry((channel.as_str().to_owned(), status.clone()))
            .or_default() += 1;
        if let Some(body) = &outcome.failure {
            tally.failures.push(format!("{channel} {status}: {body}"));
        }
        let latencies = tally
            .latencies
            .entry(channel)
            .or_insert_with(Latencies::new);
        if let Some((at, _)) = outcome.http {
            latencies.http.saturating_record(micros(at - outcome.sent));
        }
        if let Some(at) = outcome.answered {
            latencies
                .end_to_end
                .saturating_record(micros(at - outcome.sent));
        }
        let counts = tally.counts.entry(channel).or_default();
        counts.sent += 1;
        if outcome.accepted() {
            counts.accepted += 1;
        }
        if let Some(at) = outcome.answered {
            counts.answered += 1;
            if window_end.is_none_or(|end| at <= end) {
                counts.answered_in_window += 1;
            }
        }
    }

    /// A web chat session could not be opened.
    pub fn session_failed(&self, why: &str) {
        let mut tally = self.lock();
        *tally
            .statuses
            .entry(("webchat session".to_owned(), "failed".to_owned()))
            .or_default() += 1;
        tally.failures.push(format!("webchat session: {why}"));
    }

    /// A copy of the tally.
    pub fn tally(&self) -> Tally {
        self.lock().clone()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_message_counts_as_sent_not_accepted_and_keeps_its_body() {
        let recorder = Recorder::new();
        let sent = Instant::now();
        let mut ok = Outcome::http(sent, sent + Duration::from_millis(5), 200);
        ok.answered = Some(sent + Duration::from_millis(300));
        let mut refused = Outcome::http(sent, sent + Duration::from_millis(2), 401);
        refused.failure = Some("{\"code\":\"unauthorized\"}".to_owned());

        recorder.record(Channel::WhatsApp, ok);
        recorder.record(Channel::WhatsApp, refused);

        let tally = recorder.tally();
        let total = tally.total();
        assert_eq!((total.sent, total.accepted, total.answered), (2, 1, 1));
        assert_eq!(tally.non_2xx(), 1);
        assert_eq!(tally.failures.len(), 1);
        assert!(tally.failures[0].contains("401"));
        let p50 = tally.all_latencies().end_to_end.value_at_quantile(0.5);
        assert!((299_000..=301_000).contains(&p50), "{p50}");
    }
}
