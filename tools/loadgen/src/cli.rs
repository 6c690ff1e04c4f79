//! The command line: what store to load (started here or attached to), how
//! hard (open loop at `--rate`, or closed loop with `--in-flight`), for how
//! long, and which mode (one run, `--find-capacity`, `--soak`).

use std::{path::PathBuf, time::Duration};

use clap::Parser;

use crate::channel::Channel;

/// Drives many concurrent shoppers through the store and reports
/// throughput, latency, CPU and memory per process, queue depths, lost
/// messages and the cost of one shopper message, as markdown tables.
#[derive(Debug, Clone, Parser)]
#[command(name = "loadgen")]
pub struct Args {
    /// Shoppers (distinct conversations) to start with, spread over the
    /// channels and brands. In open loop a message goes to an idle shopper;
    /// when all are waiting for an answer a new one joins, so the offered
    /// rate never waits on the store.
    #[arg(long, default_value_t = 200)]
    pub shoppers: usize,
    /// Open loop: shopper messages per second, sent on schedule whatever
    /// the store does.
    #[arg(long, conflicts_with = "in_flight")]
    pub rate: Option<f64>,
    /// Closed loop: this many shoppers each send, wait for the answer,
    /// and send again.
    #[arg(long)]
    pub in_flight: Option<usize>,
    /// How long to send (e.g. `60s`, `3m`).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// A message not answered within this long counts as lost.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub deadline: Duration,
    /// Channels to shop through (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "whatsapp,telegram,webchat"
    )]
    pub channels: Vec<Channel>,
    /// How often CPU, memory and queue depths are sampled.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub sample_every: Duration,

    /// Steps the offered rate up to the highest the store sustains with an
    /// end-to-end p99 of at most `--p99-target`.
    #[arg(long, conflicts_with_all = ["soak", "in_flight"])]
    pub find_capacity: bool,
    /// The first rate of `--find-capacity` (messages/s).
    #[arg(long, default_value_t = 5.0)]
    pub from_rate: f64,
    /// Each step of `--find-capacity` offers this many times the last rate.
    #[arg(long, default_value_t = 1.5)]
    pub step_factor: f64,
    /// How long each step of `--find-capacity` sends.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub step_duration: Duration,
    /// The end-to-end p99 a sustained rate must keep.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub p99_target: Duration,

    /// Webhook ingestion from outside: at each of these numbers in flight
    /// (e.g. `32,128`), signed WhatsApp webhooks as fast as they go to the
    /// store's gateway and to a bare axum + lapin handler, taking turns.
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["soak", "find_capacity", "in_flight", "rate"])]
    pub ingest: Option<Vec<usize>>,
    /// Webhooks per `--ingest` run.
    #[arg(long, default_value_t = 8000)]
    pub ingest_requests: usize,

    /// Soak: steady load (`--rate`, default 10/s) for this long, sampling
    /// every `--sample-every`; fails when memory or queue depths grow.
    #[arg(long, value_parser = parse_duration)]
    pub soak: Option<Duration>,

    /// The sellers' model: the offline brain when unset, else the scripted
    /// fake OpenAI-compatible model answering after this many ms.
    #[arg(long)]
    pub llm_delay_ms: Option<u64>,
    /// The sellers' `SELLER_BURST_WINDOW_MS`. 0 answers every message on
    /// its own (the default 2000 of the service waits for more fragments
    /// of a thought, which no p99 under a second survives).
    #[arg(long, default_value_t = 0)]
    pub burst_window_ms: u64,
    /// `RUST_LOG` of the services this starts.
    #[arg(long, default_value = "info")]
    pub rust_log: String,
    /// Where the services' binaries are (default: beside this program, so
    /// `target/release` for a release build).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Logs, the tenants file and keys of the store this starts.
    #[arg(long, default_value = ".run/loadgen")]
    pub state_dir: PathBuf,

    /// Attach to a running store at this gateway URL instead of starting
    /// one. Its gateway must read the tenants file `loadgen tenants-file`
    /// prints and send to `--outbound-port` (`WHATSAPP_API_BASE` and
    /// `TELEGRAM_API_BASE`), with its rate limits raised.
    #[arg(long)]
    pub attach: Option<String>,
    /// The port of the fake Graph and Bot API (default: any free port;
    /// fixed when attaching).
    #[arg(long)]
    pub outbound_port: Option<u16>,
    /// PostgreSQL server (for `pg_stat_database`).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub postgres_url: String,
    /// The broker.
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    pub amqp_url: String,
    /// RabbitMQ's management API (queue depths, events published).
    #[arg(long, default_value = "http://guest:guest@127.0.0.1:15672")]
    pub management_url: String,
    /// The store's name: databases `<name>_*`, exchange `<name>.events`
    /// (when attaching: the store's own; `agent-store` is the default
    /// store's, whose databases are `store_*`).
    #[arg(long, default_value = "loadgen")]
    pub name: String,

    /// Print the tenants file the load uses and exit.
    #[arg(long)]
    pub tenants_file: bool,
}

impl Args {
    /// The exchange the store publishes on.
    pub fn exchange(&self) -> String {
        if self.name == "agent-store" {
            "agent-store.events".to_owned()
        } else {
            format!("{}.events", self.name)
        }
    }

    /// The prefix of the store's databases.
    pub fn database_prefix(&self) -> String {
        if self.name == "agent-store" {
            "store".to_owned()
        } else {
            self.name.clone()
        }
    }
}

/// `90s`, `3m`, `1h`, `500ms` or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90s, 3m or 1h"))?;
    let seconds = match unit {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("{text:?}: the unit is one of ms, s, m, h")),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("{text:?} is not a duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("12"), Ok(Duration::from_secs(12)));
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("m").is_err());
    }
}
