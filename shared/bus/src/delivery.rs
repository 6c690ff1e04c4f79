//! Handling one delivery: decode, run the handler inside the event's trace,
//! then ack, schedule a retry or dead-letter it.

use std::{
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use cloudevents::AttributesReader;
use futures::FutureExt;
use lapin::{
    BasicProperties, Channel,
    message::Delivery,
    options::{BasicAckOptions, BasicNackOptions},
    types::{AMQPValue, FieldTable, LongString, ShortString},
};
use store_telemetry::metrics::Metrics;
use tracing::Instrument;

use crate::{
    addressing,
    binding::{self, AmqpMessage},
    consumer_config::ConsumerConfig,
    handler::{Handler, HandlerError, Incoming},
    publisher::publish_confirmed,
    topology,
};

/// Header carrying the attempt number (1 = first delivery).
pub const ATTEMPT_HEADER: &str = "x-attempt";
/// Header carrying the last failure, on retried and dead-lettered messages.
pub const ERROR_HEADER: &str = "x-last-error";
/// Header carrying the routing key the event was first published with.
pub const ORIGINAL_ROUTING_KEY_HEADER: &str = "x-original-routing-key";
/// Header saying where a replayed dead letter goes (`queue:<name>` or
/// `exchange:<name>`).
pub const REPLAY_TO_HEADER: &str = "x-replay-to";
/// Header carrying when the message was dead-lettered.
pub const DEAD_LETTERED_AT_HEADER: &str = "x-dead-lettered-at";

/// Everything a delivery task needs: one queue's consumer configuration, its
/// handler and where to count what happened.
pub(crate) struct DeliveryContext {
    pub(crate) config: ConsumerConfig,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) metrics: Metrics,
    pub(crate) confirm_timeout: Duration,
}

/// What became of a delivery.
enum Outcome {
    Done,
    Retry(String),
    DeadLetter(String),
}

pub(crate) async fn process(shared: &DeliveryContext, channel: &Channel, delivery: Delivery) {
    let queue = shared.config.queue.as_str();
    let attempt = attempt_of(&delivery.properties);
    let (ty, outcome) = match binding::from_amqp(&delivery.properties, &delivery.data) {
        Err(error) => {
            tracing::warn!(%error, queue, "undecodable message, dead-lettering");
            (
                "undecodable".to_owned(),
                Outcome::DeadLetter(format!("undecodable: {error}")),
            )
        }
        Ok(event) => {
            let ty = event.ty().to_owned();
            let key = published_key(&delivery);
            let outcome = match addressing::mismatch(key.as_deref(), &event) {
                Some(reason) => {
                    tracing::error!(queue, event_id = %event.id(), %reason, "mis-addressed event, dead-lettering");
                    Outcome::DeadLetter(reason)
                }
                None => handle(shared, &delivery, event, attempt).await,
            };
            (ty, outcome)
        }
    };
    let bus = shared.metrics.bus();
    match outcome {
        Outcome::Done => {
            if let Err(error) = delivery.ack(BasicAckOptions::default()).await {
                tracing::warn!(%error, queue, "ack failed; the event will be redelivered");
            }
            bus.consumed(queue, &ty);
        }
        Outcome::Retry(reason) => {
            // Attempt n failed: wait the n-th delay (attempt < max_attempts
            // guarantees there is one).
            let step = usize::try_from(attempt)
                .unwrap_or(usize::MAX)
                .saturating_sub(1);
            let delay = shared
                .config
                .retry_delays
                .get(step)
                .copied()
                .unwrap_or_default();
            let target = topology::retry_queue(queue, delay);
            if forward(
                shared,
                channel,
                &delivery,
                &target,
                attempt + 1,
                &reason,
                false,
            )
            .await
            {
                bus.retried(queue, &ty);
            }
        }
        Outcome::DeadLetter(reason) => {
            bus.failed(queue, &ty);
            let target = shared.config.dead_letter_queue();
            if forward(shared, channel, &delivery, &target, attempt, &reason, true).await {
                bus.dead_lettered(queue, &ty);
            }
        }
    }
}

async fn handle(
    shared: &DeliveryContext,
    delivery: &Delivery,
    event: cloudevents::Event,
    attempt: u32,
) -> Outcome {
    let queue = shared.config.queue.as_str();
    let ty = event.ty().to_owned();
    let span = tracing::info_span!(
        "consume",
        otel.name = %format!("{ty} process"),
        otel.kind = "consumer",
        messaging.system = "rabbitmq",
        messaging.destination.name = %queue,
        messaging.message.id = %event.id(),
        attempt,
    );
    store_telemetry::propagation::set_parent(&span, &event);
    let incoming = Incoming {
        event,
        attempt,
        redelivered: delivery.redelivered,
        routing_key: delivery.routing_key.as_str().to_owned(),
        reply_to: delivery
            .properties
            .reply_to()
            .as_ref()
            .map(|s| s.as_str().to_owned()),
        correlation_id: delivery
            .properties
            .correlation_id()
            .as_ref()
            .map(|s| s.as_str().to_owned()),
    };
    let started = Instant::now();
    let result = AssertUnwindSafe(shared.handler.handle(&incoming).instrument(span.clone()))
        .catch_unwind()
        .await;
    shared
        .metrics
        .bus()
        .observe_handler(queue, &ty, started.elapsed());
    let _entered = span.enter();
    let max = shared.config.max_attempts();
    match result {
        Ok(Ok(())) => Outcome::Done,
        Ok(Err(error @ HandlerError::Retry(_))) if attempt < max => {
            let reason = error.describe();
            tracing::warn!(error = %reason, attempt, max, "handler failed, will retry");
            Outcome::Retry(reason)
        }
        Ok(Err(error @ HandlerError::Retry(_))) => {
            let reason = format!("gave up after {attempt} attempts: {}", error.describe());
            tracing::error!(error = %reason, "handler failed for the last time, dead-lettering");
            Outcome::DeadLetter(reason)
        }
        Ok(Err(error @ HandlerError::Reject(_))) => {
            let reason = error.describe();
            tracing::error!(error = %reason, "handler rejected the event, dead-lettering");
            Outcome::DeadLetter(reason)
        }
        Err(_) if attempt < max => {
            tracing::error!(attempt, "handler panicked, will retry");
            Outcome::Retry("handler panicked".to_owned())
        }
        Err(_) => {
            tracing::error!(
                attempt,
                "handler panicked for the last time, dead-lettering"
            );
            Outcome::DeadLetter(format!("handler panicked on all {attempt} attempts"))
        }
    }
}

/// The routing key `delivery` was published with, if it was published to
/// an exchange: its own for a delivery from a named exchange, the first one
/// (`x-original-routing-key`) for a retry back through the default one.
fn published_key(delivery: &Delivery) -> Option<String> {
    if !delivery.exchange.as_str().is_empty() {
        return Some(delivery.routing_key.as_str().to_owned());
    }
    let headers = delivery.properties.headers().as_ref()?;
    match headers
        .inner()
        .get(&ShortString::from(ORIGINAL_ROUTING_KEY_HEADER))?
    {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// Republishes the delivery (same body and properties, updated bus headers)
/// to `queue` through the default exchange, then acks the original. If the
/// republish is not confirmed the original is requeued instead, so the event
/// is never lost. Returns whether the message moved.
async fn forward(
    shared: &DeliveryContext,
    channel: &Channel,
    delivery: &Delivery,
    queue: &str,
    attempt: u32,
    reason: &str,
    dead: bool,
) -> bool {
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    headers.insert(ATTEMPT_HEADER.into(), AMQPValue::LongUInt(attempt));
    headers.insert(ERROR_HEADER.into(), long(truncate(reason, 1024)));
    if !headers.contains_key(ORIGINAL_ROUTING_KEY_HEADER) {
        headers.insert(
            ORIGINAL_ROUTING_KEY_HEADER.into(),
            long(delivery.routing_key.as_str()),
        );
    }
    if dead {
        headers.insert(
            DEAD_LETTERED_AT_HEADER.into(),
            long(&Utc::now().to_rfc3339()),
        );
        // Where a replay puts it back: the queue it was consumed from (a
        // sharded consumer's dead letters share one DLQ, and its name is no
        // queue of its own).
        headers.insert(
            REPLAY_TO_HEADER.into(),
            long(&format!("queue:{}", shared.config.queue)),
        );
    }
    let message = AmqpMessage {
        properties: delivery.properties.clone().with_headers(headers),
        body: delivery.data.clone(),
    };
    match publish_confirmed(channel, "", queue, &message, shared.confirm_timeout).await {
        Ok(()) => {
            if let Err(error) = delivery.ack(BasicAckOptions::default()).await {
                tracing::warn!(%error, "ack after forwarding failed; the event may be handled again");
            }
            true
        }
        Err(error) => {
            tracing::error!(%error, target = queue, "could not forward the event; requeueing it");
            requeue(delivery).await;
            false
        }
    }
}

/// Requeues a delivery we could not settle properly (used when republishing
/// a retry failed): the broker hands it out again.
async fn requeue(delivery: &Delivery) {
    let _ = delivery
        .nack(BasicNackOptions {
            requeue: true,
            ..BasicNackOptions::default()
        })
        .await;
}

fn long(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s))
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The attempt number of a delivery (1 when the header is absent).
pub(crate) fn attempt_of(properties: &BasicProperties) -> u32 {
    let value = properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(ATTEMPT_HEADER).cloned());
    match value {
        Some(AMQPValue::LongUInt(n)) => n,
        Some(AMQPValue::LongInt(n)) => u32::try_from(n).unwrap_or(1),
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(n).unwrap_or(1),
        Some(AMQPValue::ShortUInt(n)) => u32::from(n),
        _ => 1,
    }
    .max(1)
}

/// Headers with the bus's bookkeeping removed, for replaying a dead letter.
pub(crate) fn without_bus_headers(headers: &FieldTable) -> FieldTable {
    let mut out = FieldTable::default();
    for (k, v) in headers.inner() {
        if !k.as_str().starts_with("x-") {
            out.insert(ShortString::from(k.as_str()), v.clone());
        }
    }
    out
}
