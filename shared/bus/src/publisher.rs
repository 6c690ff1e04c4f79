//! The publishing side of the bus: confirmed, mandatory, persistent, with
//! reconnect on demand. The service's `Bus` and the request/reply client both
//! publish through a [`Publisher`].

use std::sync::Arc;

use cloudevents::{AttributesReader, Event};
use lapin::{BasicProperties, Channel, Confirmation, options::BasicPublishOptions};
use store_telemetry::metrics::Metrics;

use crate::{
    binding::{self, AmqpMessage},
    channel_pool::ChannelPool,
    config::BusConfig,
    error::{BusError, PublishError},
};

/// The publishing connection of a service: cheap to clone, safe to share.
///
/// Publishing reconnects on demand: when the connection has gone away the
/// next publish opens a new one (once; if that fails too, the caller gets the
/// error and decides, e.g. a webhook answers 503 so the channel retries).
/// Publishes run concurrently, each on a channel of its own from a pool (see
/// [`crate::channel_pool`] for why).
#[derive(Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

struct Inner {
    pool: ChannelPool,
    metrics: Metrics,
}

/// One event of [`Publisher::publish_all`], ready to go.
struct Outgoing {
    ty: String,
    routing_key: String,
    message: AmqpMessage,
    routing: Routing,
}

/// Whether an event must reach a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// Published mandatory: if no queue is bound the broker returns it and
    /// the publish fails with [`PublishError::Unroutable`].
    Required,
    /// Published without mandatory: confirmed by the broker, dropped by it if
    /// no queue is bound (events for audit that a deployment may not read).
    IfBound,
}

impl Publisher {
    /// Connects to the broker and declares the exchange.
    pub async fn connect(config: BusConfig, metrics: Metrics) -> Result<Self, BusError> {
        let publisher = Self {
            inner: Arc::new(Inner {
                pool: ChannelPool::new(config),
                metrics,
            }),
        };
        publisher.ensure_connected().await?;
        Ok(publisher)
    }

    /// The configuration this bus was made with.
    pub fn config(&self) -> &BusConfig {
        self.inner.pool.config()
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// True while the publishing connection is open.
    pub async fn is_connected(&self) -> bool {
        self.inner.pool.is_connected().await
    }

    /// Opens the publishing connection if it is not open.
    pub async fn ensure_connected(&self) -> Result<(), BusError> {
        self.inner.pool.connect().await
    }

    /// Publishes `event` to the exchange with its routing key
    /// (`type.tenant[.brand]`), after writing the current trace context into
    /// its `traceparent`. Returns once the broker has confirmed it; an
    /// unroutable event is an error.
    pub async fn publish(&self, event: Event) -> Result<(), PublishError> {
        self.publish_routed(event, Routing::Required).await
    }

    /// Publishes `event` as [`Publisher::publish`] does, mandatory or not as
    /// `routing` says.
    pub async fn publish_routed(&self, event: Event, routing: Routing) -> Result<(), PublishError> {
        let routing_key = store_events::envelope::routing_key(&event);
        let exchange = self.config().exchange.clone();
        self.publish_to(
            &exchange,
            &routing_key,
            event,
            BasicProperties::default(),
            routing,
        )
        .await
    }

    /// Publishes `events` (each mandatory or not as its [`Routing`] says)
    /// on one channel, pipelined, and waits for every confirm: one channel
    /// lent and one wait instead of one each (the gateway publishes a
    /// message's raw and normalised events together). Returns are told
    /// apart by the id each message carries (`message_id`, the event id),
    /// not by the order confirms arrive in: every publish in flight on the
    /// channel is this call's, and a return always comes before the
    /// confirm of its message, so once every confirm is in, every return is
    /// too. Fails with the first failure in `events`' order; the events
    /// before it may have been published (ids make a retry harmless).
    #[tracing::instrument(
        name = "publish",
        skip_all,
        fields(
            otel.kind = "producer",
            messaging.system = "rabbitmq",
            messaging.batch.message_count = events.len(),
        )
    )]
    pub async fn publish_all(&self, events: Vec<(Event, Routing)>) -> Result<(), PublishError> {
        let exchange = self.config().exchange.clone();
        let mut outgoing = Vec::with_capacity(events.len());
        for (mut event, routing) in events {
            let ty = event.ty().to_owned();
            let routing_key = store_events::envelope::routing_key(&event);
            store_telemetry::propagation::inject(&mut event);
            outgoing.push(Outgoing {
                ty,
                routing_key,
                message: binding::to_amqp(event)?,
                routing,
            });
        }
        self.send(&exchange, &outgoing).await
    }

    /// Publishes `outgoing` together ([`Publisher::send_once`]), once more
    /// on a new connection after a transient failure, and counts and logs
    /// the outcome.
    async fn send(&self, exchange: &str, outgoing: &[Outgoing]) -> Result<(), PublishError> {
        let result = match self.send_once(exchange, outgoing).await {
            Err(error) if error.is_transient() => {
                tracing::warn!(%error, "publish failed, retrying on a new connection");
                self.inner.pool.invalidate().await;
                self.send_once(exchange, outgoing).await
            }
            other => other,
        };
        for message in outgoing {
            match &result {
                Ok(()) => self.inner.metrics.bus().published(&message.ty),
                Err(_) => self.inner.metrics.bus().publish_failed(&message.ty),
            }
        }
        match &result {
            Ok(()) => {}
            // Nothing bound is the caller's call.
            Err(error @ PublishError::Unroutable { .. }) => {
                tracing::debug!(%error, "publish unroutable");
            }
            Err(error) => tracing::warn!(%error, "publish failed"),
        }
        result
    }

    /// Publishes `outgoing` on one lent channel, pipelined, and waits for
    /// every confirm; returns are told apart by message id (see
    /// [`Publisher::publish_all`]).
    async fn send_once(&self, exchange: &str, outgoing: &[Outgoing]) -> Result<(), PublishError> {
        let lent = self.inner.pool.lend().await?;
        let mut confirms = Vec::with_capacity(outgoing.len());
        for message in outgoing {
            confirms.push(
                lent.channel()
                    .basic_publish(
                        exchange.into(),
                        message.routing_key.as_str().into(),
                        BasicPublishOptions {
                            mandatory: message.routing == Routing::Required,
                            ..BasicPublishOptions::default()
                        },
                        &message.message.body,
                        message.message.properties.clone(),
                    )
                    .await
                    .map_err(PublishError::Publish)?,
            );
        }
        let timeout = self.config().confirm_timeout;
        let confirmations = tokio::time::timeout(timeout, futures::future::join_all(confirms))
            .await
            .map_err(|_| PublishError::ConfirmTimeout(timeout))?
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(PublishError::Publish)?;
        // Every confirm arrived: nothing is outstanding on the channel.
        lent.give_back();
        let mut returned: Vec<Option<String>> = confirmations
            .iter()
            .filter_map(|c| match c {
                Confirmation::Ack(Some(r)) | Confirmation::Nack(Some(r)) => {
                    Some(r.properties.message_id().as_ref().map(|id| id.to_string()))
                }
                _ => None,
            })
            .collect();
        let mut first_failure = None;
        for (message, confirmation) in outgoing.iter().zip(&confirmations) {
            let id = message
                .message
                .properties
                .message_id()
                .as_ref()
                .map(|id| id.to_string());
            let was_returned = match returned.iter().position(|r| r.is_some() && *r == id) {
                Some(at) => {
                    returned.remove(at);
                    true
                }
                None => false,
            };
            let outcome = match confirmation {
                Confirmation::Nack(_) => Err(PublishError::Nacked {
                    routing_key: message.routing_key.clone(),
                }),
                Confirmation::NotRequested => Err(PublishError::NotConfirmed),
                Confirmation::Ack(_) if was_returned => Err(PublishError::Unroutable {
                    exchange: exchange.to_owned(),
                    routing_key: message.routing_key.clone(),
                }),
                Confirmation::Ack(_) => Ok(()),
            };
            if first_failure.is_none() {
                first_failure = outcome.err();
            }
        }
        if let Some(failure) = first_failure {
            return Err(failure);
        }
        // A return without an id cannot be placed: fail the first event
        // that needed a queue (a retry is harmless; a lost event is not).
        if !returned.is_empty()
            && let Some(required) = outgoing.iter().find(|m| m.routing == Routing::Required)
        {
            return Err(PublishError::Unroutable {
                exchange: exchange.to_owned(),
                routing_key: required.routing_key.clone(),
            });
        }
        Ok(())
    }

    /// Publishes to an explicit exchange and routing key; `extra` properties
    /// (reply-to, correlation id, expiration) are merged with the binding's.
    ///
    /// Its span is the OpenTelemetry producer span: the event's
    /// `traceparent` points at it, so consumers join the trace here.
    #[tracing::instrument(
        name = "publish",
        skip_all,
        fields(
            otel.name = %format!("{} publish", event.ty()),
            otel.kind = "producer",
            messaging.system = "rabbitmq",
            messaging.destination.name = %exchange,
            messaging.rabbitmq.destination.routing_key = %routing_key,
            messaging.message.id = %event.id(),
        )
    )]
    pub(crate) async fn publish_to(
        &self,
        exchange: &str,
        routing_key: &str,
        mut event: Event,
        extra: BasicProperties,
        routing: Routing,
    ) -> Result<(), PublishError> {
        let ty = event.ty().to_owned();
        store_telemetry::propagation::inject(&mut event);
        let mut message = binding::to_amqp(event)?;
        message.properties = merge(message.properties, extra);
        let outgoing = Outgoing {
            ty,
            routing_key: routing_key.to_owned(),
            message,
            routing,
        };
        self.send(exchange, std::slice::from_ref(&outgoing)).await
    }

    /// Closes the publishing connection.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}

/// Publishes one message with `mandatory` set and waits for the confirm.
///
/// Only correct with no other publish in flight on `channel`: a return is
/// given to whichever confirm resolves next (see [`crate::channel_pool`]).
pub(crate) async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    message: &AmqpMessage,
    timeout: std::time::Duration,
) -> Result<(), PublishError> {
    let confirm = channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            // Mandatory: if no queue is bound the broker returns the message
            // and we report it, instead of the broker silently dropping it.
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            &message.body,
            message.properties.clone(),
        )
        .await
        .map_err(PublishError::Publish)?;
    let confirmation = tokio::time::timeout(timeout, confirm)
        .await
        .map_err(|_| PublishError::ConfirmTimeout(timeout))?
        .map_err(PublishError::Publish)?;
    match confirmation {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(_)) => Err(PublishError::Unroutable {
            exchange: exchange.to_owned(),
            routing_key: routing_key.to_owned(),
        }),
        Confirmation::Nack(_) => Err(PublishError::Nacked {
            routing_key: routing_key.to_owned(),
        }),
        Confirmation::NotRequested => Err(PublishError::NotConfirmed),
    }
}

/// The binding's properties with `extra`'s set fields laid over them.
pub(crate) fn merge(base: BasicProperties, extra: BasicProperties) -> BasicProperties {
    let mut out = base;
    if let Some(v) = extra.reply_to() {
        out = out.with_reply_to(v.clone());
    }
    if let Some(v) = extra.correlation_id() {
        out = out.with_correlation_id(v.clone());
    }
    if let Some(v) = extra.expiration() {
        out = out.with_expiration(v.clone());
    }
    if let Some(extra_headers) = extra.headers() {
        let mut headers = out.headers().clone().unwrap_or_default();
        for (k, v) in extra_headers.inner() {
            headers.insert(k.clone(), v.clone());
        }
        out = out.with_headers(headers);
    }
    out
}
