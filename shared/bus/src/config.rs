//! Bus configuration, read from the environment.

use std::time::Duration;

use secrecy::SecretString;

/// Name of the one durable topic exchange every event goes through.
pub const DEFAULT_EXCHANGE: &str = "agent-store.events";

/// Default broker address for local development and tests.
pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Default most publishes in flight at once per service (each on a channel
/// of its own): twice the webhooks a gateway serves at once under a load of
/// 128 in flight, each publishing two events.
pub const DEFAULT_PUBLISH_CHANNELS: usize = 256;

/// How a service talks to RabbitMQ.
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// Broker URL (`AMQP_URL`); holds credentials, so it is a secret. A
    /// cluster's nodes are given as several URLs separated by commas: each
    /// connection tries them in turn (see [`crate::connection::open`]).
    pub url: SecretString,
    /// The topic exchange (`BUS_EXCHANGE`).
    pub exchange: String,
    /// Name of this service; names its connections and its queues.
    pub service: String,
    /// CloudEvents `source` of the events this service emits.
    pub source: String,
    /// How long a publish may wait for the broker's confirm.
    pub confirm_timeout: Duration,
    /// Most publishes in flight at once (`BUS_PUBLISH_CHANNELS`): each has a
    /// channel of its own; more wait for one to come back.
    pub publish_channels: usize,
    /// Backoff between reconnection attempts.
    pub reconnect: Backoff,
    /// How often each consumer reads its queues' depths into the metrics
    /// (`store_queue_messages`, `store_dead_letter_messages`).
    pub queue_depth_interval: Duration,
    /// How often each replica of a sharded consumer counts the replicas and
    /// takes or gives up shards to hold its share ([`crate::shard_lease`]);
    /// also how long a departed replica's shards may wait for a new holder.
    pub shard_balance_interval: Duration,
}

impl BusConfig {
    /// A configuration for `service` on the broker at `url` with defaults.
    pub fn new(service: impl Into<String>, url: SecretString) -> Self {
        let service = service.into();
        Self {
            url,
            exchange: DEFAULT_EXCHANGE.to_owned(),
            source: format!("/agent-store/{service}"),
            service,
            confirm_timeout: Duration::from_secs(10),
            publish_channels: DEFAULT_PUBLISH_CHANNELS,
            reconnect: Backoff::default(),
            queue_depth_interval: Duration::from_secs(15),
            shard_balance_interval: Duration::from_secs(1),
        }
    }

    /// Sets the exchange (tests use a unique one each).
    pub fn with_exchange(mut self, exchange: impl Into<String>) -> Self {
        self.exchange = exchange.into();
        self
    }

    /// The name of a queue of this service, e.g. `catalog.products`: as
    /// given on the default exchange, prefixed with the exchange on any
    /// other (`<exchange>.catalog.products`), so stores and tests that share
    /// a broker on exchanges of their own never share a queue.
    pub fn queue_name(&self, name: &str) -> String {
        if self.exchange == DEFAULT_EXCHANGE {
            name.to_owned()
        } else {
            format!("{}.{name}", self.exchange)
        }
    }
}

/// Exponential backoff with a cap and jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
}

impl Default for Backoff {
    /// 100 ms doubling to 2 s: a consumer is back within about 2 s of the
    /// broker, however long the broker was away (a 30 s cap left some
    /// shards idle for 25 s after a restart). Attempts are cheap (a refused
    /// TCP connect) and jittered, so even many replicas retrying every 2 s
    /// do not storm a broker that is starting.
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (0-based): `initial · 2^attempt`,
    /// capped at `max`, minus up to 25 % jitter so replicas do not reconnect
    /// in lockstep.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(20));
        let base = self.initial.saturating_mul(factor).min(self.max);
        let jitter_per_mille = u64::from(uuid::Uuid::new_v4().as_u128() as u16 % 250);
        let jitter = base.mul_f64(jitter_per_mille as f64 / 1000.0);
        base.saturating_sub(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_are_prefixed_with_an_exchange_other_than_the_default() {
        let url = SecretString::from(DEFAULT_AMQP_URL);
        let shared = BusConfig::new("catalog", url.clone());
        let private = BusConfig::new("catalog", url).with_exchange("t-1");

        assert_eq!(shared.queue_name("catalog.products"), "catalog.products");
        assert_eq!(
            private.queue_name("catalog.products"),
            "t-1.catalog.products"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        assert!(
            b.delay(0) <= Duration::from_millis(100) && b.delay(0) >= Duration::from_millis(75)
        );
        assert!(b.delay(3) >= Duration::from_millis(600));
        assert!(b.delay(30) <= Duration::from_secs(1));
    }

    #[test]
    fn a_consumer_retries_within_two_seconds_however_long_the_broker_was_away() {
        let b = Backoff::default();
        for attempt in [0, 5, 10, 50, u32::MAX] {
            assert!(
                b.delay(attempt) <= Duration::from_secs(2),
                "attempt {attempt}"
            );
        }
        assert!(b.delay(0) <= Duration::from_millis(100));
    }
}
