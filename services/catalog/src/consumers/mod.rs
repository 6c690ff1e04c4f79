//! What the catalog answers and consumes on the bus: product queries and
//! recommendations (request/reply), stock reservations (request/reply) and
//! releases (events).

pub mod inventory;
pub mod products;

use std::sync::Arc;

use sqlx::PgPool;
use store_bus::{Bus, PublishError};
use store_events::{
    EventContext,
    data::{InventoryChanged, StockChangeReason, StockLevel},
    new_event,
};

/// Queue answering `store.product.query` and `store.product.recommend`.
pub const PRODUCT_QUEUE: &str = "catalog.products";
/// Queue answering `store.inventory.reserve`.
pub const RESERVE_QUEUE: &str = "catalog.inventory-reserve";
/// Queue consuming `store.inventory.release`.
pub const RELEASE_QUEUE: &str = "catalog.inventory-release";

/// What every handler of the catalog shares.
#[derive(Clone)]
pub struct Catalog {
    /// The database.
    pub pool: PgPool,
    /// The bus, to publish notices.
    pub bus: Bus,
    /// Platform cap on units per order line.
    pub max_quantity_per_line: u32,
}

/// The shared handler state.
pub type Shared = Arc<Catalog>;

/// Publishes `store.inventory.changed` for `levels` (nothing when empty).
///
/// It is a notice: when no consumer is bound (the broker returns it as
/// unroutable) nobody needed it, which is not an error. A failed publish is
/// logged and not retried: stock itself is already committed.
pub async fn announce_stock(
    bus: &Bus,
    context: &EventContext,
    reason: StockChangeReason,
    reservation_id: Option<&str>,
    levels: Vec<StockLevel>,
) {
    if levels.is_empty() {
        return;
    }
    let data = InventoryChanged {
        reason,
        reservation_id: reservation_id.map(str::to_owned),
        items: levels,
    };
    let event = match new_event(crate::SOURCE, context, &data) {
        Ok(event) => event,
        Err(error) => {
            tracing::error!(%error, "cannot build store.inventory.changed");
            return;
        }
    };
    match bus.publish(event).await {
        Ok(()) | Err(PublishError::Unroutable { .. }) => {}
        Err(error) => tracing::warn!(%error, "store.inventory.changed not published"),
    }
}
