//! What the sales assistant consumes, each handed to its flow: escalations
//! (`flows::open_handoff`), every conversation's messages
//! (`flows::record_conversation`, which adds a shopper's message to an
//! open hand-off with `flows::record_shopper_message`), human replies of
//! conversations with an open hand-off (`flows::record_human_reply`), the
//! replies' delivery reports
//! (`flows::record_delivery`), and the shop's orders and their status
//! changes (`flows::record_order`).
//!
//! All of them arrive on one queue, sharded by conversation: each
//! conversation's events are handled one at a time in the order they
//! arrived (a shopper's message right after an escalation finds the
//! hand-off open; transcript `seq` follows arrival), different
//! conversations in parallel. [`InboxHandler`] routes each event by type to
//! its flow; the runner acks only after the flow committed.

use store_bus::{BusConfig, ConsumerConfig, Handler, HandlerError, Incoming};
use store_events::{
    AttributesReader as _, EventData as _,
    data::{
        ChatDelivery, ChatMessageNew, ChatResponse, OrderCreated, OrderStatusChanged, SalesEscalate,
    },
};

use crate::flows::{
    Shared,
    open_handoff::open_handoff,
    record_conversation,
    record_delivery::record_delivery,
    record_human_reply::record_human_reply,
    record_order::{record_order_created, record_order_status},
};

/// The queue of every event the sales assistant consumes (its shards are
/// `<queue>.shard-<n>`).
pub const INBOX_QUEUE: &str = "sales-assistant.inbox";

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
            ChatDelivery::TYPE,
            OrderCreated::TYPE,
            OrderStatusChanged::TYPE,
        ]
        .map(|ty| format!("{ty}.#")),
    )
    .sharded(shards, "ce-conversation")
}

/// Handles the inbox queue: each event by the flow of its type.
pub struct InboxHandler(pub Shared);

#[async_trait::async_trait]
impl Handler for InboxHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let event = &incoming.event;
        match event.ty() {
            SalesEscalate::TYPE => open_handoff(&self.0, event).await,
            // Every conversation's transcript and an open hand-off's, in
            // one transaction.
            ChatMessageNew::TYPE => record_conversation::record_shopper_words(&self.0, event).await,
            ChatResponse::TYPE => {
                record_conversation::record_reply(&self.0, event).await?;
                record_human_reply(&self.0, event).await
            }
            ChatDelivery::TYPE => record_delivery(&self.0, event).await,
            OrderCreated::TYPE => record_order_created(&self.0, event).await,
            OrderStatusChanged::TYPE => record_order_status(&self.0, event).await,
            // Only a binding that matches more than it should brings one:
            // it will never be handled, so it goes to the dead letters.
            other => Err(HandlerError::reject(format!(
                "{other} is not an event the sales assistant handles"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use store_bus::Sharding;

    use super::*;

    #[test]
    fn the_inbox_takes_its_event_types_on_one_queue_sharded_by_conversation() {
        let bus = BusConfig::new("sales-assistant", "amqp://localhost".into())
            .with_exchange("sales-test");
        let config = config(&bus, 6);

        assert_eq!(config.queue, "sales-test.sales-assistant.inbox");
        assert_eq!(
            config.bindings,
            [
                "store.sales.escalate.#",
                "store.chat.message.new.#",
                "store.chat.response.#",
                "store.chat.delivery.#",
                "store.order.created.#",
                "store.order.status.changed.#"
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
