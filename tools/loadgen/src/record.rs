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
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// When its webhook (or post) was first sent.
    pub sent: Instant,
    /// Whether the gateway took it in the end (2xx).
    pub accepted: bool,
    /// When its answer reached the shopper's side.
    pub answered: Option<Instant>,
}

impl Outcome {
    /// A message sent at `sent`, taken or not.
    pub fn new(sent: Instant, accepted: bool) -> Self {
        Self {
            sent,
            accepted,
            answered: None,
        }
    }
}

/// One HTTP request of a message (a redelivery is another).
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Through which channel.
    pub channel: Channel,
    /// Its status; `None`: no answer.
    pub status: Option<u16>,
    /// Sent → answered (or given up).
    pub latency: Duration,
    /// A non-2xx's body, or why there was no answer.
    pub failure: Option<String>,
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
    /// Every message not answered within the deadline: which and why.
    pub lost: Vec<String>,
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
                lost: Vec::new(),
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

    /// Records one request.
    pub fn attempt(&self, attempt: Attempt) {
        let mut tally = self.lock();
        let status = attempt
            .status
            .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
        let channel = attempt.channel;
        *tally
            .statuses
            .entry((channel.as_str().to_owned(), status.clone()))
            .or_default() += 1;
        if let Some(body) = &attempt.failure {
            tally.failures.push(format!("{channel} {status}: {body}"));
        }
        if attempt.status.is_some() {
            tally
                .latencies
                .entry(channel)
                .or_insert_with(Latencies::new)
                .http
                .saturating_record(micros(attempt.latency));
        }
    }

    /// Records the fate of one message (`what`: the shopper and the text,
    /// named in the list of lost messages).
    pub fn record(&self, channel: Channel, what: &str, outcome: Outcome) {
        let mut tally = self.lock();
        if outcome.answered.is_none() {
            let why = if outcome.accepted {
                "accepted, no answer within the deadline"
            } else {
                "never accepted"
            };
            tally.lost.push(format!("{channel} {what}: {why}"));
        }
        let window_end = (tally.window > Duration::ZERO).then(|| tally.started + tally.window);
        if let Some(at) = outcome.answered {
            tally
                .latencies
                .entry(channel)
                .or_insert_with(Latencies::new)
                .end_to_end
                .saturating_record(micros(at - outcome.sent));
        }
        let counts = tally.counts.entry(channel).or_default();
        counts.sent += 1;
        if outcome.accepted {
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
    fn a_redelivered_message_counts_once_and_every_attempt_s_status_is_kept() {
        let recorder = Recorder::new();
        let sent = Instant::now();
        recorder.attempt(Attempt {
            channel: Channel::WhatsApp,
            status: Some(503),
            latency: Duration::from_millis(2),
            failure: Some("{\"code\":\"unavailable\"}".to_owned()),
        });
        recorder.attempt(Attempt {
            channel: Channel::WhatsApp,
            status: Some(200),
            latency: Duration::from_millis(5),
            failure: None,
        });
        let mut outcome = Outcome::new(sent, true);
        outcome.answered = Some(sent + Duration::from_millis(300));
        recorder.record(Channel::WhatsApp, "shopper 1 \"hi\"", outcome);
        recorder.record(
            Channel::Telegram,
            "shopper 2 \"hi\"",
            Outcome::new(sent, false),
        );

        let tally = recorder.tally();
        let total = tally.total();
        assert_eq!((total.sent, total.accepted, total.answered), (2, 1, 1));
        assert_eq!(tally.non_2xx(), 1);
        assert_eq!(tally.failures.len(), 1);
        assert_eq!(
            tally.lost,
            vec!["telegram shopper 2 \"hi\": never accepted".to_owned()]
        );
        assert!(tally.failures[0].contains("503"));
        let p50 = tally.all_latencies().end_to_end.value_at_quantile(0.5);
        assert!((299_000..=301_000).contains(&p50), "{p50}");
    }
}
