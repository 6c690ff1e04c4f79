//! What the sales assistant consumes: escalations (open or update a
//! hand-off), shopper messages and human replies of conversations with an
//! open hand-off (appended to its transcript).
//!
//! All three arrive on one queue, sharded by conversation: each
//! conversation's events are handled one at a time in the order they
//! arrived (a shopper's message right after an escalation finds the
//! hand-off open; transcript `seq` follows arrival), different
//! conversations in parallel. [`InboxHandler`] routes each event by type to
//! its handler.
//!
//! Every handler is effectively once: it claims the event in the
//! idempotency ledger inside the transaction holding its writes, and the
//! runner acks only after that commit.

pub mod escalate;
pub mod human;
pub mod shopper;

use std::sync::Arc;

use sqlx::PgPool;
use store_bus::{BusConfig, ConsumerConfig, Handler, HandlerError, Incoming};
use store_events::{
    AttributesReader as _, EventData as _,
    data::{ChatMessageNew, ChatResponse, SalesEscalate},
};

use crate::metrics::InboxMetrics;

/// The queue of every event the sales assistant consumes (its shards are
/// `<queue>.shard-<n>`).
pub const INBOX_QUEUE: &str = "sales-assistant.inbox";

/// Name of the escalation handler in the idempotency ledger. It is the
/// name of the queue each event type had before they shared one; kept, so
/// events claimed before stay claimed.
pub const ESCALATE_HANDLER: &str = "sales-assistant.escalate";
/// Name of the shopper-message handler in the ledger (see
/// [`ESCALATE_HANDLER`]).
pub const SHOPPER_HANDLER: &str = "sales-assistant.shopper-messages";
/// Name of the human-reply handler in the ledger (see [`ESCALATE_HANDLER`]).
pub const REPLY_HANDLER: &str = "sales-assistant.replies";

/// The consumer of the inbox queue (`sales-assistant.inbox`): every
/// tenant's and brand's escalations, shopper messages and replies, spread
/// over `shards` ordered queues by the `conversation` extension (the
/// `ce-conversation` header).
pub fn config(bus: &BusConfig, shards: u16) -> ConsumerConfig {
    ConsumerConfig::new(
        bus.queue_name(INBOX_QUEUE),
        [
            SalesEscalate::TYPE,
            ChatMessageNew::TYPE,
            ChatResponse::TYPE,
        ]
        .map(|ty| format!("{ty}.#")),
    )
    .sharded(shards, "ce-conversation")
}

/// What every handler and request handler shares.
pub struct Inbox {
    /// The database.
    pub pool: PgPool,
    /// The inbox's metrics.
    pub metrics: InboxMetrics,
}

/// The shared state.
pub type Shared = Arc<Inbox>;

/// Handles the inbox queue: each event by the handler of its type.
pub struct InboxHandler(pub Shared);

#[async_trait::async_trait]
impl Handler for InboxHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let event = &incoming.event;
        match event.ty() {
            SalesEscalate::TYPE => escalate::handle(&self.0, event).await,
            ChatMessageNew::TYPE => shopper::handle(&self.0, event).await,
            ChatResponse::TYPE => human::handle(&self.0, event).await,
            // Only a binding that matches more than it should brings one:
            // it will never be handled, so it goes to the dead letters.
            other => Err(HandlerError::reject(format!(
                "{other} is not an event the sales assistant handles"
            ))),
        }
    }
}

/// A database failure: transient, try again later.
fn retry(error: sqlx::Error) -> HandlerError {
    HandlerError::retry(error)
}

#[cfg(test)]
mod tests {
    use store_bus::Sharding;

    use super::*;

    #[test]
    fn the_inbox_takes_the_three_event_types_on_one_queue_sharded_by_conversation() {
        let bus = BusConfig::new("sales-assistant", "amqp://localhost".into())
            .with_exchange("sales-test");
        let config = config(&bus, 6);

        assert_eq!(config.queue, "sales-test.sales-assistant.inbox");
        assert_eq!(
            config.bindings,
            [
                "store.sales.escalate.#",
                "store.chat.message.new.#",
                "store.chat.response.#"
            ]
        );
        assert_eq!(
            config.sharding,
            Some(Sharding {
                shards: 6,
                hash_header: "ce-conversation".to_owned()
            })
        );
    }
}
