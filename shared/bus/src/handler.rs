//! What a consumer plugs into the runner: a handler and its outcome.

use cloudevents::Event;

/// Any error a handler wants to report.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a handler did not succeed, and what the runner should do about it.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// A transient failure (database or dependency down, timeout): try again
    /// later, with increasing delay, up to the consumer's max attempts.
    #[error("transient failure, will retry")]
    Retry(#[source] BoxError),
    /// A permanent failure (malformed data, a rule that will never pass):
    /// straight to the dead-letter queue, no retry.
    #[error("permanent failure, rejected")]
    Reject(#[source] BoxError),
}

impl HandlerError {
    /// A transient failure.
    pub fn retry(error: impl Into<BoxError>) -> Self {
        Self::Retry(error.into())
    }

    /// A permanent failure.
    pub fn reject(error: impl Into<BoxError>) -> Self {
        Self::Reject(error.into())
    }

    /// The underlying error with its whole cause chain, for logs and
    /// dead-letter headers.
    pub fn describe(&self) -> String {
        let (Self::Retry(error) | Self::Reject(error)) = self;
        error_chain(error.as_ref())
    }
}

/// An error and its sources, `outer: inner: …`, for logs and messages.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl From<store_events::DecodeError> for HandlerError {
    /// Data that does not match its type's struct will never match: reject.
    fn from(error: store_events::DecodeError) -> Self {
        Self::reject(error)
    }
}

/// A delivered event with what the runner knows about its delivery.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The event.
    pub event: Event,
    /// 1 on the first delivery, 2 on the first retry, and so on.
    pub attempt: u32,
    /// The broker says this message was delivered before (e.g. after a crash).
    pub redelivered: bool,
    /// Routing key the message was published with.
    pub routing_key: String,
    /// Reply queue, when the event is a request.
    pub reply_to: Option<String>,
    /// AMQP correlation id, when the event is a request.
    pub correlation_id: Option<String>,
}

/// Handles the events of one consumer.
///
/// The runner acks a delivery only after `handle` returns `Ok`; a handler
/// must therefore be idempotent (see `store-idempotency`): a crash between
/// its commit and the ack redelivers the event.
#[async_trait::async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Handles one event.
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError>;
}
