//! Signed WhatsApp webhooks posted as fast as a number in flight allows,
//! and what came back: the load loop and the report row of the ingestion
//! measurements (the gateway's `ingest` bench in process, loadgen's
//! `--ingest` from outside), so both count and rank alike (what a run cost
//! the processes beside it: `crate::procs::Cost`).

use std::time::{Duration, Instant};

use futures::StreamExt as _;

/// One webhook to post: where, its body, and its `X-Hub-Signature-256`.
pub struct SignedWebhook {
    /// The handler's URL.
    pub url: String,
    /// The JSON body, as signed.
    pub body: Vec<u8>,
    /// The signature header's value (`sha256=…`).
    pub signature: String,
}

/// The markdown header of [`Run::row`]'s table.
pub const HEADER: &str = "| handler | in flight | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|";

/// One run: every webhook's latency and answer.
#[derive(Debug)]
pub struct Run {
    /// Webhooks posted.
    pub requests: usize,
    /// From the first post to the last answer.
    pub elapsed: Duration,
    /// Webhooks answered other than 2xx, or not at all.
    pub non_2xx: usize,
    /// The first of those, as `HTTP 503` or `no answer: …`.
    pub example: Option<String>,
    /// Sorted.
    latencies: Vec<Duration>,
}

impl Run {
    /// Requests per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency at quantile `p` (0.99 for the p99; 1.0 the max), in
    /// milliseconds: the smallest latency at least a fraction `p` of the
    /// requests did not exceed (nearest rank).
    pub fn ms(&self, p: f64) -> f64 {
        let rank = (self.latencies.len() as f64 * p).ceil() as usize;
        self.latencies
            .get(rank.saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }

    /// The run as a row of the [`HEADER`] table.
    pub fn row(&self, name: &str, in_flight: usize) -> String {
        format!(
            "| {name} | {in_flight} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            self.requests,
            self.rate(),
            self.ms(0.5),
            self.ms(0.9),
            self.ms(0.99),
            self.ms(1.0),
            self.non_2xx
        )
    }
}

/// Posts every webhook with at most `in_flight` waiting for an answer.
pub async fn post_all(
    http: &reqwest::Client,
    webhooks: Vec<SignedWebhook>,
    in_flight: usize,
) -> Run {
    let requests = webhooks.len();
    let started = Instant::now();
    let results: Vec<(Duration, Result<u16, String>)> = futures::stream::iter(webhooks)
        .map(|webhook| {
            let request = http
                .post(webhook.url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", webhook.signature)
                .body(webhook.body);
            async move {
                let sent = Instant::now();
                let status = match request.send().await {
                    Ok(response) => Ok(response.status().as_u16()),
                    Err(error) => Err(error.to_string()),
                };
                (sent.elapsed(), status)
            }
        })
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut failures = results.iter().filter_map(|(_, status)| match status {
        Ok(s) if (200..300).contains(s) => None,
        Ok(s) => Some(format!("HTTP {s}")),
        Err(e) => Some(format!("no answer: {e}")),
    });
    let example = failures.next();
    let non_2xx = usize::from(example.is_some()) + failures.count();
    let mut latencies: Vec<Duration> = results.into_iter().map(|(d, _)| d).collect();
    latencies.sort();
    Run {
        requests,
        elapsed,
        non_2xx,
        example,
        latencies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(millis: &[u64]) -> Run {
        Run {
            requests: millis.len(),
            elapsed: Duration::from_secs(2),
            non_2xx: 0,
            example: None,
            latencies: millis.iter().copied().map(Duration::from_millis).collect(),
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let run = run(&(1..=100).collect::<Vec<_>>());
        assert_eq!(run.ms(0.5), 50.0);
        assert_eq!(run.ms(0.99), 99.0);
        assert_eq!(run.ms(1.0), 100.0);
        assert_eq!(run.rate(), 50.0);
    }

    #[test]
    fn a_short_run_has_its_largest_latency_as_p99() {
        let run = run(&[3, 7, 9]);
        assert_eq!(run.ms(0.5), 7.0);
        assert_eq!(run.ms(0.99), 9.0);
        assert_eq!(run.ms(0.0), 3.0);
    }

    #[test]
    fn an_empty_run_reports_zero() {
        assert_eq!(run(&[]).ms(0.99), 0.0);
    }
}
