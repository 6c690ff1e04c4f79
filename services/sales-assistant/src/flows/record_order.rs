//! Recording the shop's orders (`store.order.created`,
//! `store.order.status.changed`, from the order processor) in `shop_order`,
//! for the conversation view and the reports: each once (claimed in the
//! idempotency ledger inside the transaction), with who closed the sale,
//! and each change of an order in a conversation announced to the inbox's
//! live pages (`pg_notify('inbox', …)`, delivered at the commit).
//!
//! A new order was closed by a human when its conversation had a hand-off
//! opened at or before it was placed (`domain::order::ClosedBy`), by the AI
//! alone otherwise. A status change of an order not recorded yet (its
//! `store.order.created` was retried behind it) is retried in turn.

use chrono::Utc;
use store_bus::HandlerError;
use store_events::{
    AttributesReader as _, Event, EventData as _, EventMeta,
    data::{OrderCreated, OrderStatusChanged},
    decode,
};

use super::{Handoffs, retry};
use crate::{
    db::{
        self,
        orders::{NewOrder, StatusChange},
    },
    domain::order::{ClosedBy, status_name},
};

/// Name of these flows in the idempotency ledger.
pub const LEDGER_NAME: &str = "sales-assistant.orders";

/// Handles one `store.order.created`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn record_order_created(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let created: OrderCreated = decode(event)?;
    let brand = meta
        .brand
        .ok_or_else(|| HandlerError::reject("store.order.created names no brand"))?;
    let conversation = meta.conversation.as_ref().map(|c| c.as_str());
    let order = NewOrder {
        tenant: &meta.tenant,
        order_id: &created.order_id,
        brand: brand.as_str(),
        conversation,
        number: &created.order_number,
        lines: &created.lines,
        total_minor: created.total.amount_minor,
        currency: created.total.currency.as_str(),
        status: status_name(created.status),
        payment_url: created.payment.link.as_deref(),
        placed_at: event.time().copied().unwrap_or_else(Utc::now),
    };

    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    if store_idempotency::claim(&mut tx, LEDGER_NAME, event.id(), OrderCreated::TYPE)
        .await
        .map_err(retry)?
        .is_duplicate()
    {
        return Ok(());
    }
    let handed_off = match conversation {
        Some(conversation) => {
            db::orders::handed_off_by(&mut tx, &meta.tenant, conversation, order.placed_at)
                .await
                .map_err(retry)?
        }
        None => false,
    };
    let closed_by = ClosedBy::decide(handed_off);
    let recorded = db::orders::insert(&mut tx, &order, closed_by)
        .await
        .map_err(retry)?;
    if let (true, Some(conversation)) = (recorded, conversation) {
        db::orders::notify_inbox(&mut tx, &meta.tenant, brand.as_str(), conversation)
            .await
            .map_err(retry)?;
    }
    tx.commit().await.map_err(retry)?;
    if recorded {
        tracing::info!(
            order = %created.order_number,
            closed_by = closed_by.as_str(),
            "order recorded"
        );
    }
    Ok(())
}

/// Handles one `store.order.status.changed`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn record_order_status(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let changed: OrderStatusChanged = decode(event)?;

    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    if store_idempotency::claim(&mut tx, LEDGER_NAME, event.id(), OrderStatusChanged::TYPE)
        .await
        .map_err(retry)?
        .is_duplicate()
    {
        return Ok(());
    }
    let change = db::orders::change_status(
        &mut tx,
        &meta.tenant,
        &changed.order_id,
        status_name(changed.to),
        changed.changed_at,
    )
    .await
    .map_err(retry)?;
    match &change {
        // Dropping the transaction un-claims the event for its retry.
        StatusChange::Unknown => {
            return Err(HandlerError::retry(format!(
                "order {} is not recorded yet",
                changed.order_number
            )));
        }
        StatusChange::Applied(place) => {
            if let Some(conversation) = &place.conversation {
                db::orders::notify_inbox(&mut tx, &meta.tenant, &place.brand_id, conversation)
                    .await
                    .map_err(retry)?;
            }
        }
        StatusChange::Stale => {}
    }
    tx.commit().await.map_err(retry)?;
    tracing::info!(order = %changed.order_number, status = status_name(changed.to), ?change, "order status recorded");
    Ok(())
}
