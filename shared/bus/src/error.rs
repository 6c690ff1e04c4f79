//! Errors of the bus.

use crate::binding::BindingError;

/// Something went wrong talking to the broker.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Could not connect to the broker.
    #[error("failed to connect to the broker")]
    Connect(#[source] lapin::Error),
    /// Could not open or use a channel.
    #[error("broker channel error")]
    Channel(#[source] lapin::Error),
    /// Could not declare part of the topology.
    #[error("failed to declare {what}")]
    Declare {
        /// What was being declared.
        what: String,
        /// The broker's answer.
        #[source]
        source: lapin::Error,
    },
    /// The pool of publishing channels was closed (never, today: kept so
    /// waiting for a channel cannot panic).
    #[error("the publishing channels are closed")]
    PoolClosed,
}

/// Publishing an event failed; the event may not have reached the broker.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No connection or channel to publish on.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// The event could not be encoded.
    #[error("failed to encode the event")]
    Encode(#[from] BindingError),
    /// The broker refused or lost the message during publishing.
    #[error("publish failed")]
    Publish(#[source] lapin::Error),
    /// No queue is bound for this routing key: with mandatory publishing the
    /// broker returned the message instead of dropping it.
    #[error(
        "unroutable: no queue is bound to exchange {exchange:?} for routing key {routing_key:?}"
    )]
    Unroutable {
        /// The exchange.
        exchange: String,
        /// The routing key.
        routing_key: String,
    },
    /// The broker answered with a negative acknowledgement.
    #[error("the broker refused the message (nack) for routing key {routing_key:?}")]
    Nacked {
        /// The routing key.
        routing_key: String,
    },
    /// The channel was not in confirm mode, so the broker promised nothing.
    #[error("the channel does not have publisher confirms enabled")]
    NotConfirmed,
    /// No confirm arrived in time.
    #[error("no publisher confirm within {0:?}")]
    ConfirmTimeout(std::time::Duration),
}

impl PublishError {
    /// True when retrying on a fresh connection may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PublishError::Bus(_) | PublishError::Publish(_) | PublishError::ConfirmTimeout(_)
        )
    }
}
