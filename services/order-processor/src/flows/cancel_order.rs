//! Cancelling an order on request from the bus (`store.order.cancel`, a
//! human seller in the inbox): the order named by number in the request's
//! tenant and brand, cancelled by the same rules and the same code as the
//! shop's HTTP cancellation (`domain::lifecycle::cancellation` reads
//! `decide`; `change_status::apply_locked` moves the order and queues
//! `store.order.status.changed`, the shopper's `store.chat.response` and
//! `store.inventory.release`), answered with `store.order.cancel.result`.
//!
//! Effectively once per request event id: in one transaction the request
//! is claimed in the idempotency ledger, the order is locked and changed,
//! and the answer is recorded (`order_request`, beside the order requests'
//! outcomes); a redelivered request finds its claim and gets the recorded
//! answer (same event, same id), changing nothing. The consumer acks after
//! the commit.
//!
//! Tenant and brand come from the request's extensions: an order of another
//! tenant or brand, like an unknown number or a request with no brand, is
//! `not_found`.

use cloudevents::{AttributesReader as _, Event};
use store_bus::HandlerError;
use store_events::{
    EventContext, EventData as _, EventMeta,
    data::{CancelOutcome, OrderCancel, OrderCancelResult, OrderStatus},
    decode, new_event,
};

use super::{Orders, change_status::apply_locked};
use crate::{
    db::{self, orders::OrderKey},
    domain::lifecycle::{Command, cancellation},
};

/// The consumer name of the requests' claims in the idempotency ledger.
pub const LEDGER_CONSUMER: &str = "order-processor.cancel";

/// Handles the `store.order.cancel` event `request`; returns the answer
/// (`store.order.cancel.result`), the same event for every delivery of the
/// request. A malformed request is rejected; the database down is a retry.
#[tracing::instrument(skip_all, fields(request = %request.id()))]
pub async fn cancel_order(orders: &Orders, request: &Event) -> Result<Event, HandlerError> {
    let meta = EventMeta::from_event(request)?;
    let asked: OrderCancel = decode(request)?;
    let mut tx = orders.pool.begin().await.map_err(HandlerError::retry)?;
    // First, so a concurrent delivery of the same request waits here for
    // this one's commit, then finds its answer.
    let claim = store_idempotency::claim(&mut tx, LEDGER_CONSUMER, request.id(), OrderCancel::TYPE)
        .await
        .map_err(HandlerError::retry)?;
    if claim.is_duplicate() {
        tracing::info!("cancellation handled before; answering it again");
        return db::orders::find_request(&mut tx, &meta.tenant, request.id())
            .await
            .map_err(HandlerError::retry)?
            .ok_or_else(|| HandlerError::reject("claimed cancellation without a recorded answer"));
    }

    let order = match &meta.brand {
        Some(brand) => db::orders::lock(
            &mut tx,
            &meta.tenant,
            &OrderKey::Number(asked.order_number.clone()),
        )
        .await
        .map_err(HandlerError::retry)?
        .filter(|order| order.brand_id == brand.as_str()),
        None => None,
    };
    let mut context = EventContext::caused_by(request)?;
    let (answer, order_id, moved) = match order {
        None => (
            OrderCancelResult {
                order_number: asked.order_number.clone(),
                outcome: CancelOutcome::NotFound,
                status: None,
            },
            None,
            false,
        ),
        Some(order) => {
            let outcome = cancellation(order.status());
            let moved = outcome == CancelOutcome::Cancelled
                && apply_locked(
                    &mut tx,
                    &order,
                    &Command::Cancel,
                    Some(&history_reason(&asked)),
                    asked.reason.as_deref(),
                )
                .await
                .map_err(HandlerError::retry)?;
            context = context.with_subject(order.id.to_string());
            let status = if moved {
                OrderStatus::Cancelled
            } else {
                order.status()
            };
            (
                OrderCancelResult {
                    order_number: asked.order_number.clone(),
                    outcome,
                    status: Some(status),
                },
                Some(order.id),
                moved,
            )
        }
    };
    let reply = new_event(crate::SOURCE, &context, &answer).map_err(HandlerError::reject)?;
    db::orders::record_request(&mut tx, &meta.tenant, request.id(), &reply, order_id)
        .await
        .map_err(HandlerError::retry)?;
    tx.commit().await.map_err(HandlerError::retry)?;
    if moved {
        orders.outbox_ready.notify_one();
    }
    tracing::info!(order = %answer.order_number, outcome = ?answer.outcome, "cancellation request answered");
    Ok(reply)
}

/// The reason kept in the order's history and sent in
/// `store.order.status.changed`: who asked, and why when they said.
fn history_reason(asked: &OrderCancel) -> String {
    match &asked.reason {
        Some(reason) => format!("cancelled by {}: {reason}", asked.requested_by),
        None => format!("cancelled by {}", asked.requested_by),
    }
}
