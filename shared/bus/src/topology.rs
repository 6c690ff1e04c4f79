//! The queues of one consumer: its quorum queue with bindings, one delay
//! queue per retry step, and its dead-letter queue.
//!
//! ```text
//!                       bindings (routing key patterns)
//! exchange ──────────────────────────────────────────► <queue>   ──► handler
//!                                                        ▲   │ retry n: republish (confirmed), ack
//!          TTL expired, dead-lettered via "" ────────────┘   ▼
//!                                   <queue>.retry.<delay>ms  (x-message-ttl = delay)
//!                         attempts exhausted / rejected ──► <queue>.dlq  (kept for an operator)
//! ```
//!
//! Delay queues use a queue-wide TTL rather than per-message expiration, so
//! every message in one of them waits the same time and expiry stays FIFO.

use std::time::Duration;

use lapin::{
    Channel,
    options::{QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

use crate::error::BusError;

/// Name of the delay queue of `queue` that holds messages for `delay`.
///
/// Named by the delay rather than by the step, so changing a consumer's
/// retry delays declares new queues instead of colliding with the old ones'
/// arguments (RabbitMQ refuses to redeclare a queue with another TTL).
pub fn retry_queue(queue: &str, delay: Duration) -> String {
    format!("{queue}.retry.{}ms", delay.as_millis())
}

/// Name of the dead-letter queue of `queue`.
pub fn dead_letter_queue(queue: &str) -> String {
    format!("{queue}.dlq")
}

/// How many times RabbitMQ may redeliver a message that was never acked
/// (e.g. the consumer process crashed while handling it) before it gives up
/// and dead-letters it: a guard against a poison message that kills the
/// process before our own retry bookkeeping can run.
const DELIVERY_LIMIT: i64 = 20;

fn long(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s))
}

fn table(entries: &[(&str, AMQPValue)]) -> FieldTable {
    let mut t = FieldTable::default();
    for (k, v) in entries {
        t.insert(ShortString::from(*k), v.clone());
    }
    t
}

fn durable() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

async fn declare(channel: &Channel, name: &str, args: FieldTable) -> Result<(), BusError> {
    channel
        .queue_declare(name.into(), durable(), args)
        .await
        .map(|_| ())
        .map_err(|source| BusError::Declare {
            what: format!("queue {name}"),
            source,
        })
}

/// The queue `name` as the broker has it (message and consumer counts),
/// by a passive declare: nothing is created or changed, and a queue that
/// does not exist is an error (which closes `channel`).
pub(crate) async fn inspect(channel: &Channel, name: &str) -> Result<lapin::Queue, BusError> {
    channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(BusError::Channel)
}

/// What to declare for one consumer queue.
#[derive(Debug, Clone, Copy)]
pub struct QueueSpec<'a> {
    /// Exchange the queue is bound to.
    pub source: &'a str,
    /// Queue name.
    pub queue: &'a str,
    /// Routing key patterns (for a consistent-hash source: the weight).
    pub bindings: &'a [String],
    /// Retry delays, one delay queue each.
    pub delays: &'a [Duration],
    /// One active consumer at a time.
    pub single_active_consumer: bool,
    /// Where messages go when they are given up on.
    pub dead_letter_queue: &'a str,
}

/// Declares the main queue (quorum, durable, bound to `bindings` on
/// `source`), one delay queue per retry delay, and the dead-letter queue.
pub async fn declare_consumer_queues(
    channel: &Channel,
    spec: &QueueSpec<'_>,
) -> Result<(), BusError> {
    let QueueSpec {
        source: exchange,
        queue,
        bindings,
        delays,
        single_active_consumer,
        dead_letter_queue: dlq,
    } = *spec;
    // Quorum: replicated, durable, poison-message aware; the right default
    // for anything that must not be lost.
    declare(channel, dlq, table(&[("x-queue-type", long("quorum"))])).await?;

    let mut main_args = vec![
        ("x-queue-type", long("quorum")),
        ("x-delivery-limit", AMQPValue::LongLongInt(DELIVERY_LIMIT)),
        // Where the broker itself puts a message past the delivery limit.
        ("x-dead-letter-exchange", long("")),
        ("x-dead-letter-routing-key", long(dlq)),
    ];
    if single_active_consumer {
        // One consumer at a time receives from the queue, so messages are
        // handled in order even with several replicas; the others stand by.
        main_args.push(("x-single-active-consumer", AMQPValue::Boolean(true)));
    }
    declare(channel, queue, table(&main_args)).await?;

    for delay in delays {
        let ttl = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        let args = table(&[
            ("x-queue-type", long("quorum")),
            ("x-message-ttl", AMQPValue::LongLongInt(ttl)),
            // On expiry go back to the main queue through the default
            // exchange, so only this consumer sees the retry, not every
            // queue bound to the event's routing key.
            ("x-dead-letter-exchange", long("")),
            ("x-dead-letter-routing-key", long(queue)),
            // At-least-once dead-lettering: the broker keeps the message
            // until the main queue has confirmed it (needs reject-publish).
            ("x-dead-letter-strategy", long("at-least-once")),
            ("x-overflow", long("reject-publish")),
        ]);
        declare(channel, &retry_queue(queue, *delay), args).await?;
    }

    for binding in bindings {
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                binding.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|source| BusError::Declare {
                what: format!("binding {binding} of queue {queue}"),
                source,
            })?;
    }
    Ok(())
}

/// Name of the consistent-hash exchange that spreads a sharded consumer's
/// events over its shard queues.
pub fn shard_exchange(queue: &str) -> String {
    format!("{queue}.shards")
}

/// Name of shard `index` of a sharded consumer.
pub fn shard_queue(queue: &str, index: u16) -> String {
    format!("{queue}.shard-{index}")
}

/// Declares the consistent-hash exchange of a sharded consumer, hashing on
/// `hash_header`, and binds it to `exchange` with `bindings` (an
/// exchange-to-exchange binding). Needs the `rabbitmq_consistent_hash_exchange`
/// plugin, which ships with RabbitMQ (`scripts/services-up.sh` enables it).
pub async fn declare_shard_exchange(
    channel: &Channel,
    exchange: &str,
    hash_exchange: &str,
    bindings: &[String],
    hash_header: &str,
) -> Result<(), BusError> {
    channel
        .exchange_declare(
            hash_exchange.into(),
            lapin::ExchangeKind::Custom("x-consistent-hash".to_owned()),
            lapin::options::ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            // Hash a header (e.g. `ce-conversation`) rather than the routing
            // key, so all events of one conversation land in one shard.
            table(&[("hash-header", long(hash_header))]),
        )
        .await
        .map_err(|source| BusError::Declare {
            what: format!("consistent-hash exchange {hash_exchange} (is rabbitmq_consistent_hash_exchange enabled?)"),
            source,
        })?;
    for binding in bindings {
        channel
            .exchange_bind(
                hash_exchange.into(),
                exchange.into(),
                binding.as_str().into(),
                lapin::options::ExchangeBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|source| BusError::Declare {
                what: format!("binding {binding} of exchange {hash_exchange}"),
                source,
            })?;
    }
    Ok(())
}
