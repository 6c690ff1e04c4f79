//! `store.inventory.reserve` → `store.inventory.reservation` (request/reply)
//! and `store.inventory.release` (an event).
//!
//! Both are idempotent by reservation id: a repeated reserve gets the first
//! answer, a repeated release changes nothing. A database failure is a
//! retry: the order processor asks again with the same id when its own
//! handling is retried, and gets the same reservation.

use cloudevents::Event;
use store_bus::{Handler, HandlerError, Incoming, RequestHandler};
use store_events::{
    EventContext, EventMeta,
    data::{
        ErrorDetail, InventoryRelease, InventoryReservation, InventoryReserve, ReservationOutcome,
        StockChangeReason,
    },
    decode, new_event,
};

use super::{Shared, announce_stock};
use crate::db;

/// Answers `store.inventory.reserve`.
pub struct ReserveResponder(pub Shared);

fn failed(reservation_id: String, message: impl Into<String>) -> InventoryReservation {
    InventoryReservation {
        reservation_id,
        outcome: ReservationOutcome::Failed,
        lines: vec![],
        refusals: vec![],
        error: Some(ErrorDetail {
            code: "bad_request".to_owned(),
            message: message.into(),
        }),
    }
}

#[async_trait::async_trait]
impl RequestHandler for ReserveResponder {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let event = &request.event;
        let context = EventContext::caused_by(event)?;
        let meta = EventMeta::from_event(event)?;
        let data: InventoryReserve = decode(event)?;
        let reply = match meta.brand {
            None => failed(data.reservation_id, "the request names no brand"),
            Some(_) if data.items.is_empty() => failed(data.reservation_id, "no items"),
            Some(brand) => {
                let reserved = db::inventory::reserve(
                    &self.0.pool,
                    &meta.tenant,
                    &brand,
                    &data.reservation_id,
                    &data.items,
                    self.0.max_quantity_per_line,
                )
                .await
                .map_err(HandlerError::retry)?;
                announce_stock(
                    &self.0.bus,
                    &context,
                    StockChangeReason::Reserved,
                    Some(&data.reservation_id),
                    reserved.levels,
                )
                .await;
                reserved.reply
            }
        };
        new_event(crate::SOURCE, &context, &reply).map_err(HandlerError::reject)
    }
}

/// Consumes `store.inventory.release`.
pub struct ReleaseHandler(pub Shared);

#[async_trait::async_trait]
impl Handler for ReleaseHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let event = &incoming.event;
        let meta = EventMeta::from_event(event)?;
        let data: InventoryRelease = decode(event)?;
        let levels = db::inventory::release(
            &self.0.pool,
            &meta.tenant,
            &data.reservation_id,
            data.reason,
        )
        .await
        .map_err(HandlerError::retry)?;
        let context = EventContext::caused_by(event)?;
        announce_stock(
            &self.0.bus,
            &context,
            StockChangeReason::Released,
            Some(&data.reservation_id),
            levels,
        )
        .await;
        Ok(())
    }
}
