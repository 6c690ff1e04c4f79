//! The seller's control consumer: what the sales assistant decides about
//! the brand's conversations (`store.sales.claimed`,
//! `store.sales.deferred`) and asks of the seller (`store.sales.draft`,
//! request/reply), in a queue of their own apart from the shopper messages;
//! and the order processor's outcomes of the brand's orders
//! (`store.order.created`, `store.order.rejected`), for the orders a turn
//! stopped waiting for ([`crate::flows::tell_late_order`]).
//!
//! It is separate on purpose: a conversation's shard handles one message at
//! a time, so a claim queued there would wait behind the shopper messages
//! (and a slow turn) ahead of it and the AI would answer them first. Here
//! it is applied at once; the messages still waiting are then kept for the
//! human (see [`crate::flows::answer_shopper`]).

use std::sync::Arc;

use cloudevents::{AttributesReader, Event};
use store_bus::{
    BusConfig, ConsumerConfig, Handler, HandlerError, Incoming, RequestHandler, Responder,
};
use store_events::{
    BrandId, EventContext, EventData, TenantId,
    data::{OrderCreated, OrderRejected, SalesClaimed, SalesDeferred, SalesDraft},
    new_event,
};

use crate::flows::Seller;

/// The control queue of the seller of `tenant`/`brand` as named on the
/// default exchange, `seller.<tenant>.<brand>.control`;
/// [`BusConfig::queue_name`] prefixes it on any other exchange.
pub fn control_queue(tenant: &TenantId, brand: &BrandId) -> String {
    format!("{}.control", super::queue(tenant, brand))
}

/// The control consumer of the seller of `tenant`/`brand` on `bus`: its
/// [`control_queue`], bound to exactly that brand's `store.sales.claimed`,
/// `store.sales.deferred`, `store.sales.draft`, `store.order.created` and
/// `store.order.rejected`, unsharded.
pub fn control_config(bus: &BusConfig, tenant: &TenantId, brand: &BrandId) -> ConsumerConfig {
    ConsumerConfig::new(
        bus.queue_name(&control_queue(tenant, brand)),
        [
            format!("{}.{tenant}.{brand}", SalesClaimed::TYPE),
            format!("{}.{tenant}.{brand}", SalesDeferred::TYPE),
            format!("{}.{tenant}.{brand}", SalesDraft::TYPE),
            format!("{}.{tenant}.{brand}", OrderCreated::TYPE),
            format!("{}.{tenant}.{brand}", OrderRejected::TYPE),
        ],
    )
    // A claim or an order's outcome must not be lost to a short database
    // outage; a late draft is useless but harmless (its requester has
    // stopped waiting).
    .with_retry_delays([
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(30),
    ])
}

/// Feeds the control queue's events to the seller's flows: a claim to
/// [`Seller::yield_to_human`], a deferral to
/// [`Seller::resume_after_deferral`], a draft request to
/// [`Seller::draft_reply`] (answered on its `reply_to`), an order's outcome
/// to [`Seller::tell_late_order`].
pub struct ControlHandler {
    seller: Arc<Seller>,
    drafts: Responder<DraftResponder>,
}

impl ControlHandler {
    /// The control handler of `seller`.
    pub fn new(seller: Arc<Seller>) -> Self {
        Self {
            drafts: Responder::new(seller.bus.clone(), DraftResponder(seller.clone())),
            seller,
        }
    }
}

#[async_trait::async_trait]
impl Handler for ControlHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let event = &incoming.event;
        match event.ty() {
            SalesClaimed::TYPE => self.seller.yield_to_human(event).await,
            SalesDeferred::TYPE => self.seller.resume_after_deferral(event).await,
            SalesDraft::TYPE => self.drafts.handle(incoming).await,
            OrderCreated::TYPE | OrderRejected::TYPE => self.seller.tell_late_order(event).await,
            other => Err(HandlerError::reject(format!(
                "the seller's control queue does not handle {other}"
            ))),
        }
    }
}

/// Answers `store.sales.draft` with `store.sales.draft.result`.
pub struct DraftResponder(Arc<Seller>);

#[async_trait::async_trait]
impl RequestHandler for DraftResponder {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let event = &request.event;
        let draft = self.0.draft_reply(event).await?;
        let context = EventContext::caused_by(event)?;
        new_event(&self.0.bus.config().source, &context, &draft).map_err(HandlerError::reject)
    }
}
