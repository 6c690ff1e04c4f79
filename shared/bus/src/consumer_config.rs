//! What one consumer consumes and how it treats failures: the configuration
//! the runner ([`crate::consumer`]) and each delivery's handling share.

use std::time::Duration;

use crate::topology;

/// What one consumer consumes and how it treats failures.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// Queue name, unique per consumer (e.g. `catalog.requests`).
    pub queue: String,
    /// Routing key patterns bound to the queue (e.g. `store.product.query.#`).
    pub bindings: Vec<String>,
    /// Unacked deliveries the broker may hand this consumer at once.
    pub prefetch: u16,
    /// Deliveries handled at the same time (at most `prefetch`); 1 keeps
    /// the queue's order.
    pub concurrency: usize,
    /// Delay before each retry; max attempts = `retry_delays.len() + 1`.
    pub retry_delays: Vec<Duration>,
    /// Only one consumer of the queue is active at a time (ordered handling
    /// across replicas).
    pub single_active_consumer: bool,
    /// How long shutdown waits for in-flight handlers.
    pub drain_timeout: Duration,
    /// Spread events over ordered shard queues (see [`ConsumerConfig::sharded`]).
    pub sharding: Option<Sharding>,
    /// Exchange the queue is bound to (default: the bus exchange).
    pub(crate) source: Option<String>,
    /// Dead-letter queue (default: `<queue>.dlq`).
    pub(crate) dead_letter_queue: Option<String>,
}

/// How a sharded consumer spreads its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharding {
    /// Number of shard queues. Every replica must use the same number.
    pub shards: u16,
    /// Header whose value picks the shard (e.g. `ce-conversation`).
    pub hash_header: String,
}

impl ConsumerConfig {
    /// A consumer of `queue` bound to `bindings`, with prefetch 16 and
    /// retries after 1 s, 5 s and 30 s.
    pub fn new(
        queue: impl Into<String>,
        bindings: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            queue: queue.into(),
            bindings: bindings.into_iter().map(Into::into).collect(),
            prefetch: 16,
            concurrency: 16,
            retry_delays: vec![
                Duration::from_secs(1),
                Duration::from_secs(5),
                Duration::from_secs(30),
            ],
            single_active_consumer: false,
            drain_timeout: Duration::from_secs(30),
            sharding: None,
            source: None,
            dead_letter_queue: None,
        }
    }

    /// Ordered per key, parallel across keys: events are spread over
    /// `shards` queues by a consistent hash of `hash_header`, each shard is
    /// handled one event at a time by one active consumer across replicas.
    /// All events with the same header value (one conversation) are handled
    /// in arrival order; different ones in parallel.
    pub fn sharded(mut self, shards: u16, hash_header: impl Into<String>) -> Self {
        self.sharding = Some(Sharding {
            shards: shards.max(1),
            hash_header: hash_header.into(),
        });
        self
    }

    /// The dead-letter queue of this consumer.
    pub fn dead_letter_queue(&self) -> String {
        self.dead_letter_queue
            .clone()
            .unwrap_or_else(|| topology::dead_letter_queue(&self.queue))
    }

    /// Sets the retry delays.
    pub fn with_retry_delays(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.retry_delays = delays.into_iter().collect();
        self
    }

    /// Sets prefetch and concurrency.
    pub fn with_prefetch(mut self, prefetch: u16) -> Self {
        self.prefetch = prefetch.max(1);
        self.concurrency = usize::from(self.prefetch);
        self
    }

    /// One delivery at a time, one active consumer across replicas: the
    /// queue's order is the handling order.
    pub fn ordered(mut self) -> Self {
        self.prefetch = 1;
        self.concurrency = 1;
        self.single_active_consumer = true;
        self
    }

    /// Attempts before a failing event is dead-lettered.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.retry_delays.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }
}
