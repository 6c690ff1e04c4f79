//! The seller's conversations consumer: its brand's shopper messages and
//! hand-backs, in one sharded queue so each conversation's events are
//! handled in order, each given to its flow ([`crate::flows`]). With a
//! burst window a shopper message is stored for its burst and acked; its
//! answer comes from [`super::bursts`].

use std::sync::Arc;

use cloudevents::AttributesReader;

use store_bus::{BusConfig, ConsumerConfig, Handler, HandlerError, Incoming};
use store_events::{BrandId, TenantId};

use super::bursts::Bursts;
use crate::{domain::storable, flows::Seller};

/// The queue of the seller of `tenant`/`brand` as named on the default
/// exchange, `seller.<tenant>.<brand>` (its shards add a suffix);
/// [`BusConfig::queue_name`] prefixes it on any other exchange.
pub fn queue(tenant: &TenantId, brand: &BrandId) -> String {
    format!("seller.{tenant}.{brand}")
}

/// The consumer configuration of the seller of `tenant`/`brand` on `bus`:
/// its [`queue`], bound to exactly that brand's `store.chat.message.new` and
/// `store.sales.resolved` (routing by binding, never by filtering), spread
/// over `shards` ordered queues by conversation.
pub fn config(bus: &BusConfig, tenant: &TenantId, brand: &BrandId, shards: u16) -> ConsumerConfig {
    ConsumerConfig::new(
        bus.queue_name(&queue(tenant, brand)),
        [
            format!("store.chat.message.new.{tenant}.{brand}"),
            format!("store.sales.resolved.{tenant}.{brand}"),
        ],
    )
    .with_retry_delays([
        std::time::Duration::from_secs(2),
        std::time::Duration::from_secs(10),
        std::time::Duration::from_secs(30),
    ])
    .sharded(shards, "ce-conversation")
}

/// Feeds the queue's events to the seller's flows: a shopper message to
/// [`Seller::answer_shopper`] (or, with a burst window, to
/// [`Seller::buffer_message`] and the burst's timer), a hand-back to
/// [`Seller::hand_back`].
pub struct SellerHandler {
    seller: Arc<Seller>,
    bursts: Option<Bursts>,
}

impl SellerHandler {
    /// The handler of `seller`; `bursts` when it has a burst window.
    pub fn new(seller: Arc<Seller>, bursts: Option<Bursts>) -> Self {
        Self { seller, bursts }
    }
}

#[async_trait::async_trait]
impl Handler for SellerHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        // Before anything is stored or read: text PostgreSQL can store.
        let event = &*storable::event(&incoming.event);
        match event.ty() {
            "store.chat.message.new" => match &self.bursts {
                None => self.seller.answer_shopper(event).await,
                Some(bursts) => {
                    // Acked once stored; the burst's timer answers it.
                    if let Some(arrival) = self.seller.buffer_message(event).await? {
                        bursts.arrived(arrival);
                    }
                    Ok(())
                }
            },
            "store.sales.resolved" => self.seller.hand_back(event).await,
            other => Err(HandlerError::reject(format!(
                "the seller does not handle {other}"
            ))),
        }
    }
}
