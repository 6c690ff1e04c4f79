//! Request/reply over the bus, for the seller's tool calls.
//!
//! The requester publishes the request event to the exchange like any other
//! event, with AMQP `reply_to` = its private reply queue and `correlation_id`
//! = the request's event id, then waits (bounded) for the reply with that
//! correlation id. The responder is an ordinary consumer whose handler is
//! wrapped in [`Responder`], which publishes the reply event to `reply_to`
//! through the default exchange.
//!
//! The reply queue is exclusive and server-named: it lives as long as the
//! requester's connection and is re-created after a reconnect. Replies that
//! arrive after their request timed out are dropped.

use std::{collections::HashMap, sync::Arc, time::Duration};

use cloudevents::{AttributesReader, Event};
use futures::StreamExt;
use lapin::{
    BasicProperties, Connection,
    options::{BasicConsumeOptions, QueueDeclareOptions},
    types::FieldTable,
};
use tokio::sync::{Mutex, oneshot};

use crate::{
    binding,
    config::BusConfig,
    connection,
    error::{BusError, PublishError},
    handler::{Handler, HandlerError, Incoming},
    publisher::{Publisher, Routing},
};

/// A request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The request could not be published (no consumer bound is reported as
    /// [`PublishError::Unroutable`]).
    #[error("request not sent")]
    Publish(#[from] PublishError),
    /// The reply queue could not be set up.
    #[error("reply queue unavailable")]
    Bus(#[from] BusError),
    /// No reply within the timeout.
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The reply queue went away while waiting (connection lost).
    #[error("reply queue lost while waiting")]
    Lost,
}

type Pending = Arc<std::sync::Mutex<HashMap<String, oneshot::Sender<Event>>>>;

/// The requester's side: a private reply queue and the requests waiting on it,
/// publishing requests through the service's [`Publisher`].
pub struct RpcClient {
    config: BusConfig,
    publisher: Publisher,
    pending: Pending,
    live: Mutex<Option<ReplyQueue>>,
}

struct ReplyQueue {
    connection: Connection,
    name: String,
}

impl RpcClient {
    pub(crate) fn new(publisher: Publisher) -> Self {
        Self {
            config: publisher.config().clone(),
            publisher,
            pending: Arc::default(),
            live: Mutex::new(None),
        }
    }

    /// The reply queue's name, opening it (again) when needed.
    async fn reply_queue(&self) -> Result<String, BusError> {
        let mut live = self.live.lock().await;
        if let Some(queue) = live.as_ref().filter(|q| q.connection.status().connected()) {
            return Ok(queue.name.clone());
        }
        let connection = connection::open(&self.config, "replies").await?;
        let channel = connection
            .create_channel()
            .await
            .map_err(BusError::Channel)?;
        let queue = channel
            .queue_declare(
                "".into(),
                // Exclusive + auto-delete: private to this connection and gone
                // with it, so no orphaned reply queues pile up.
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|source| BusError::Declare {
                what: "reply queue".to_owned(),
                source,
            })?;
        let name = queue.name().as_str().to_owned();
        let mut consumer = channel
            .basic_consume(
                name.as_str().into(),
                "replies".into(),
                // no_ack: a reply is only useful to the waiting caller, and
                // the queue dies with the connection anyway.
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(BusError::Channel)?;
        let pending = self.pending.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let Some(correlation) = delivery
                    .properties
                    .correlation_id()
                    .as_ref()
                    .map(|c| c.as_str().to_owned())
                else {
                    tracing::warn!("reply without correlation id dropped");
                    continue;
                };
                let waiter = pending.lock().ok().and_then(|mut p| p.remove(&correlation));
                match (
                    waiter,
                    binding::from_amqp(&delivery.properties, &delivery.data),
                ) {
                    (Some(waiter), Ok(event)) => {
                        let _ = waiter.send(event);
                    }
                    (None, _) => tracing::debug!(%correlation, "late reply dropped"),
                    (Some(_), Err(error)) => {
                        tracing::warn!(%error, %correlation, "undecodable reply dropped")
                    }
                }
            }
            // Connection gone: wake every waiter so it fails fast.
            if let Ok(mut pending) = pending.lock() {
                pending.clear();
            }
        });
        *live = Some(ReplyQueue {
            connection,
            name: name.clone(),
        });
        Ok(name)
    }

    pub(crate) async fn close(&self) {
        if let Some(queue) = self.live.lock().await.take() {
            let _ = queue.connection.close(200, "shutdown".into()).await;
        }
    }

    /// Publishes `request` and waits up to `timeout` for the reply event.
    #[tracing::instrument(
        name = "request",
        skip_all,
        fields(
            otel.name = %format!("{} request", request.ty()),
            messaging.system = "rabbitmq",
            messaging.message.id = %request.id(),
            timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        )
    )]
    pub async fn request(&self, request: Event, timeout: Duration) -> Result<Event, RpcError> {
        let reply_to = self.reply_queue().await?;
        let correlation = request.id().to_owned();
        let (tx, rx) = oneshot::channel();
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(correlation.clone(), tx);
        }
        let forget = || {
            if let Ok(mut pending) = self.pending.lock() {
                pending.remove(&correlation);
            }
        };
        let routing_key = store_events::envelope::routing_key(&request);
        let exchange = self.config.exchange.clone();
        let properties = BasicProperties::default()
            .with_reply_to(reply_to.into())
            .with_correlation_id(correlation.as_str().into());
        if let Err(error) = self
            .publisher
            .publish_to(
                &exchange,
                &routing_key,
                request,
                properties,
                Routing::Required,
            )
            .await
        {
            forget();
            return Err(error.into());
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(RpcError::Lost),
            Err(_) => {
                forget();
                Err(RpcError::Timeout(timeout))
            }
        }
    }
}

/// Answers requests: given a request, produce the reply event.
#[async_trait::async_trait]
pub trait RequestHandler: Send + Sync + 'static {
    /// Builds the reply (usually with `EventContext::caused_by(&request.event)`).
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError>;
}

/// Adapts a [`RequestHandler`] into a consumer [`Handler`] that sends each
/// reply to the request's `reply_to` queue.
pub struct Responder<H> {
    publisher: Publisher,
    inner: H,
}

impl<H: RequestHandler> Responder<H> {
    /// Wraps `inner`; replies are published through `bus` (the service's
    /// `Bus`, or any [`Publisher`]).
    pub fn new(bus: impl Into<Publisher>, inner: H) -> Self {
        Self {
            publisher: bus.into(),
            inner,
        }
    }
}

#[async_trait::async_trait]
impl<H: RequestHandler> Handler for Responder<H> {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let Some(reply_to) = incoming.reply_to.as_deref() else {
            return Err(HandlerError::reject(
                "request without reply_to: nobody to answer",
            ));
        };
        let reply = self.inner.respond(incoming).await?;
        let correlation = incoming
            .correlation_id
            .clone()
            .unwrap_or_else(|| incoming.event.id().to_owned());
        let properties = BasicProperties::default().with_correlation_id(correlation.into());
        match self
            .publisher
            .publish_to("", reply_to, reply, properties, Routing::Required)
            .await
        {
            Ok(()) => Ok(()),
            // The requester is gone (its reply queue died with it): nobody
            // is waiting, so there is nothing left to do.
            Err(PublishError::Unroutable { .. }) => {
                tracing::info!(reply_to, "requester gone, reply dropped");
                Ok(())
            }
            Err(error) => Err(HandlerError::retry(error)),
        }
    }
}
