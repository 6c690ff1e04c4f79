//! The event bus of agent-store: CloudEvents over RabbitMQ (AMQP 0-9-1).
//!
//! - [`binding`]: the CloudEvents AMQP 0-9-1 binding (binary mode out,
//!   anything reasonable in).
//! - [`Bus`]: the handle a service holds: publish, request, consume.
//! - [`publisher`]: confirmed, mandatory, persistent publishing with
//!   reconnect, concurrent on a pool of channels (`channel_pool`: one
//!   publish per channel at a time, so a returned message is reported to
//!   the publish it belongs to).
//! - [`consumer`]: the consumer runner (quorum queue, manual ack, retries
//!   through delay queues, dead-letter queue, graceful shutdown, reconnect);
//!   a delivery whose routing key and attributes disagree is dead-lettered
//!   unhandled (`addressing`).
//! - [`shard_lease`]: a sharded consumer's shards spread over its replicas
//!   (a lease per shard, an even share per replica).
//! - [`rpc`]: request/reply for the seller's tool calls.
//! - [`health`]: a readiness check for `/readyz`.

mod addressing;
pub mod binding;
pub mod bus;
mod channel_pool;
pub mod config;
pub mod connection;
pub mod consumer;
mod consumer_config;
mod dead_letter;
pub mod delivery;
pub mod error;
pub mod handler;
pub mod health;
pub mod inbox;
pub mod publisher;
mod queue_depth;
pub mod rpc;
pub mod shard_lease;
pub mod topology;

pub use bus::Bus;
pub use config::{Backoff, BusConfig};
pub use consumer::{ConsumerConfig, ConsumerHandle, Sharding};
pub use error::{BusError, PublishError};
pub use handler::{BoxError, Handler, HandlerError, Incoming, error_chain};
pub use inbox::Inbox;
pub use publisher::{Publisher, Routing};
pub use rpc::{RequestHandler, Responder, RpcError};
