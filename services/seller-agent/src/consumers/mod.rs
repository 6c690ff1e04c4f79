//! The seller's consumer: its brand's shopper messages and hand-backs, in
//! one sharded queue so each conversation's events are handled in order.

use std::sync::Arc;

use store_bus::{ConsumerConfig, Handler, HandlerError, Incoming};
use store_events::{BrandId, TenantId};

use crate::seller::Seller;

/// The consumer configuration of the seller of `tenant`/`brand` (queues
/// named `<prefix>.<tenant>.<brand>…`): bound to
/// exactly that brand's `store.chat.message.new` and `store.sales.resolved`
/// (routing by binding, never by filtering), spread over `shards` ordered
/// queues by conversation.
pub fn config(prefix: &str, tenant: &TenantId, brand: &BrandId, shards: u16) -> ConsumerConfig {
    ConsumerConfig::new(
        format!("{prefix}.{tenant}.{brand}"),
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

/// Feeds the queue's events to the seller.
pub struct SellerHandler(pub Arc<Seller>);

#[async_trait::async_trait]
impl Handler for SellerHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        self.0.handle(incoming).await
    }
}
