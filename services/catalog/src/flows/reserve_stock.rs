//! Reserving stock for an order: `store.inventory.reserve` from the order
//! processor, answered with `store.inventory.reservation`: every line
//! reserved and priced, or none and a reason per line (the decision is
//! `domain::reservation`'s, taken under row locks in `db::inventory`). What
//! it reserved is announced with `store.inventory.changed`.
//!
//! Idempotent by reservation id: a repeated request gets the first answer.
//! A database failure is a retry: the order processor asks again with the
//! same id when its own handling is retried, and gets the same reservation.

use cloudevents::{AttributesReader as _, Event};
use store_bus::HandlerError;
use store_events::{
    EventContext, EventMeta,
    data::{
        ErrorDetail, InventoryReservation, InventoryReserve, ReservationOutcome, StockChangeReason,
    },
    decode, new_event,
};

use super::{Catalog, announce_stock};
use crate::db;

/// The reply to the `store.inventory.reserve` event `request`.
#[tracing::instrument(skip_all, fields(request = %request.id()))]
pub async fn reserve_stock(catalog: &Catalog, request: &Event) -> Result<Event, HandlerError> {
    let context = EventContext::caused_by(request)?;
    let meta = EventMeta::from_event(request)?;
    let data: InventoryReserve = decode(request)?;
    let reply = match meta.brand {
        None => failed(data.reservation_id, "the request names no brand"),
        Some(_) if data.items.is_empty() => failed(data.reservation_id, "no items"),
        Some(brand) => {
            let reserved = db::inventory::reserve(
                &catalog.pool,
                &meta.tenant,
                &brand,
                &data.reservation_id,
                &data.items,
                catalog.max_quantity_per_line,
            )
            .await
            .map_err(HandlerError::retry)?;
            announce_stock(
                &catalog.bus,
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
