//! Giving a reservation back: `store.inventory.release` from the order
//! processor (an order cancelled, expired or abandoned) returns its units
//! to stock (`db::inventory::release`) and announces them with
//! `store.inventory.changed`. A repeated release changes nothing.

use cloudevents::{AttributesReader as _, Event};
use store_bus::HandlerError;
use store_events::{
    EventContext, EventMeta,
    data::{InventoryRelease, StockChangeReason},
    decode,
};

use super::{Catalog, announce_stock};
use crate::db;

/// Handles the `store.inventory.release` event `event`; a database failure
/// is a retry.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn release_stock(catalog: &Catalog, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let data: InventoryRelease = decode(event)?;
    let levels = db::inventory::release(
        &catalog.pool,
        &meta.tenant,
        &data.reservation_id,
        data.reason,
    )
    .await
    .map_err(HandlerError::retry)?;
    let context = EventContext::caused_by(event)?;
    announce_stock(
        &catalog.bus,
        &context,
        StockChangeReason::Released,
        Some(&data.reservation_id),
        levels,
    )
    .await;
    Ok(())
}
