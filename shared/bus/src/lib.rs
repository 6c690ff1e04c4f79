//! The event bus of agent-store: CloudEvents over RabbitMQ (AMQP 0-9-1).
//!
//! - [`binding`]: the CloudEvents AMQP 0-9-1 binding (binary mode out,
//!   anything reasonable in).
//! - [`Bus`]: confirmed, mandatory, persistent publishing with reconnect.
//! - [`consumer`]: the consumer runner (quorum queue, manual ack, retries
//!   through delay queues, dead-letter queue, graceful shutdown, reconnect).
//! - [`rpc`]: request/reply for the seller's tool calls.
//! - [`health`]: a readiness check for `/readyz`.

pub mod binding;
pub mod config;
pub mod connection;
pub mod consumer;
mod dead_letter;
pub mod delivery;
pub mod error;
pub mod handler;
pub mod health;
pub mod inbox;
pub mod publisher;
pub mod rpc;
pub mod topology;

pub use config::{Backoff, BusConfig};
pub use consumer::{ConsumerConfig, ConsumerHandle, Sharding};
pub use error::{BusError, PublishError};
pub use handler::{BoxError, Handler, HandlerError, Incoming};
pub use inbox::Inbox;
pub use publisher::Bus;
pub use rpc::{RequestHandler, Responder, RpcError};

impl Bus {
    /// Starts a consumer of this bus's exchange with `handler`; it runs until
    /// `cancel` fires. See [`consumer::start`].
    pub async fn consume(
        &self,
        config: ConsumerConfig,
        handler: impl Handler,
        cancel: tokio_util::sync::CancellationToken,
    ) -> Result<ConsumerHandle, BusError> {
        consumer::start(
            self.config(),
            config,
            std::sync::Arc::new(handler),
            self.metrics().clone(),
            cancel,
        )
        .await
    }
}
