//! [`Bus`], the one handle a service holds on the event bus: it publishes
//! through the [`Publisher`], asks through the [`RpcClient`] and starts
//! consumers, so the layers below never need to know one another.

use std::{sync::Arc, time::Duration};

use cloudevents::Event;
use store_telemetry::metrics::Metrics;
use tokio_util::sync::CancellationToken;

use crate::{
    config::BusConfig,
    consumer::{self, ConsumerConfig, ConsumerHandle},
    error::{BusError, PublishError},
    handler::Handler,
    publisher::Publisher,
    rpc::{RpcClient, RpcError},
};

/// A handle on the event bus: cheap to clone, safe to share.
///
/// Publishing reconnects on demand: when the connection has gone away the
/// next publish opens a new one (once; if that fails too, the caller gets the
/// error and decides, e.g. a webhook answers 503 so the channel retries).
#[derive(Clone)]
pub struct Bus {
    publisher: Publisher,
    rpc: Arc<RpcClient>,
}

impl Bus {
    /// Connects to the broker and declares the exchange.
    pub async fn connect(config: BusConfig, metrics: Metrics) -> Result<Self, BusError> {
        let publisher = Publisher::connect(config, metrics).await?;
        Ok(Self {
            rpc: Arc::new(RpcClient::new(publisher.clone())),
            publisher,
        })
    }

    /// The configuration this bus was made with.
    pub fn config(&self) -> &BusConfig {
        self.publisher.config()
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &Metrics {
        self.publisher.metrics()
    }

    /// True while the publishing connection is open.
    pub async fn is_connected(&self) -> bool {
        self.publisher.is_connected().await
    }

    /// Opens the publishing connection if it is not open.
    pub async fn ensure_connected(&self) -> Result<(), BusError> {
        self.publisher.ensure_connected().await
    }

    /// Publishes `event` to the exchange with its routing key
    /// (`type.tenant[.brand]`), after writing the current trace context into
    /// its `traceparent`. Returns once the broker has confirmed it; an
    /// unroutable event is an error.
    pub async fn publish(&self, event: Event) -> Result<(), PublishError> {
        self.publisher.publish(event).await
    }

    /// Publishes `request` and waits up to `timeout` for the reply event.
    pub async fn request(&self, request: Event, timeout: Duration) -> Result<Event, RpcError> {
        self.rpc.request(request, timeout).await
    }

    /// Starts a consumer of this bus's exchange with `handler`; it runs until
    /// `cancel` fires. See [`consumer::start`].
    pub async fn consume(
        &self,
        config: ConsumerConfig,
        handler: impl Handler,
        cancel: CancellationToken,
    ) -> Result<ConsumerHandle, BusError> {
        consumer::start(
            self.config(),
            config,
            Arc::new(handler),
            self.metrics().clone(),
            cancel,
        )
        .await
    }

    /// The publisher under this bus.
    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    /// The request/reply client sharing this bus's configuration.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// Closes the publishing connection and the reply queue.
    pub async fn close(&self) {
        self.rpc.close().await;
        self.publisher.close().await;
    }
}

impl From<Bus> for Publisher {
    fn from(bus: Bus) -> Self {
        bus.publisher
    }
}
