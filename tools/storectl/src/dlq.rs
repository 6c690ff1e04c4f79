//! `storectl dlq`: dead-letter queues. `list` reads queue names and
//! message counts from RabbitMQ's management API; `replay` moves dead
//! letters back through the bus crate ([`store_bus::Bus::replay_dead_letters`]),
//! each acked in the DLQ only after its republish is confirmed.

use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use serde::Deserialize;
use store_bus::{Bus, BusConfig};

use crate::http_error::{Service, status_error};

/// One dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeadLetterQueue {
    /// Queue name (ends with `.dlq`).
    pub name: String,
    /// Virtual host.
    pub vhost: String,
    /// Messages in it (as of the broker's last statistics tick, ~5 s).
    #[serde(default)]
    pub messages: u64,
}

/// The consumer queue a name stands for: `orders.dlq` → `orders`.
pub fn consumer_queue(queue: &str) -> &str {
    queue.strip_suffix(".dlq").unwrap_or(queue)
}

/// Dead-letter queues on the broker, by name; only those starting with
/// `prefix` when given.
pub async fn list(management: &str, prefix: Option<&str>) -> anyhow::Result<Vec<DeadLetterQueue>> {
    let service = Service::management(management);
    let mut api = url::Url::parse(management).map_err(|_| {
        crate::UsageError(
            "--management / RABBITMQ_MANAGEMENT_URL is not a URL (http://user:password@host:15672)"
                .to_owned(),
        )
    })?;
    let user = percent_decode(api.username());
    let password = api.password().map(percent_decode);
    let _ = api.set_username("");
    let _ = api.set_password(None);
    let service = Service {
        base: api.as_str().to_owned(),
        ..service
    };
    let response = reqwest::Client::new()
        .get(service.url("/api/queues?columns=name,vhost,messages"))
        .basic_auth(user, password)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| service.unreachable(&e))?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        anyhow::bail!(
            "RabbitMQ's management API refused the credentials: check the user and password in --management / RABBITMQ_MANAGEMENT_URL"
        );
    }
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(status_error("listing queues", status, &body));
    }
    let queues: Vec<DeadLetterQueue> = response
        .json()
        .await
        .context("Failed to read the management API's queue list")?;
    let mut queues: Vec<_> = queues
        .into_iter()
        .filter(|q| q.name.ends_with(".dlq"))
        .filter(|q| prefix.is_none_or(|p| q.name.starts_with(p)))
        .collect();
    queues.sort_by(|a, b| (&a.vhost, &a.name).cmp(&(&b.vhost, &b.name)));
    Ok(queues)
}

fn percent_decode(value: &str) -> String {
    url::form_urlencoded::parse(format!("x={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Prints the queues as a table.
pub fn print_list(queues: &[DeadLetterQueue]) {
    if queues.is_empty() {
        outln!("no dead-letter queues");
        return;
    }
    let width = queues.iter().map(|q| q.name.len()).max().unwrap_or(0);
    for queue in queues {
        let vhost = if queue.vhost == "/" {
            String::new()
        } else {
            format!("  (vhost {})", queue.vhost)
        };
        outln!("{:<width$}  {:>8}{vhost}", queue.name, queue.messages);
    }
}

/// Moves up to `limit` dead letters of `queue` (the consumer's queue or
/// its `.dlq`) back to where they were headed; returns how many moved.
pub async fn replay(
    amqp_url: &str,
    exchange: &str,
    queue: &str,
    limit: usize,
) -> anyhow::Result<usize> {
    let metrics =
        store_telemetry::metrics::Metrics::new("storectl").context("Failed to set up metrics")?;
    let config =
        BusConfig::new("storectl", SecretString::from(amqp_url.to_owned())).with_exchange(exchange);
    let bus = Bus::connect(config, metrics).await.map_err(|e| match e {
        // lapin's error says why (refused, access refused) without the URL.
        store_bus::BusError::Connect(cause) => anyhow::anyhow!(
            "RabbitMQ at the --amqp / AMQP_URL address is not answering ({cause}) — is the store running? Start it with `scripts/run.sh`"
        ),
        other => anyhow::Error::new(other).context("Failed to open the bus"),
    })?;
    let queue = consumer_queue(queue);
    let moved = bus.replay_dead_letters(queue, limit).await;
    bus.close().await;
    moved.with_context(|| {
        format!(
            "Failed to replay the dead letters of {queue} (does {} exist? see `storectl dlq list`)",
            store_bus::topology::dead_letter_queue(queue)
        )
    })
}
