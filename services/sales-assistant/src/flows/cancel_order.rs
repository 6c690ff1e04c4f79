//! The owner of a conversation cancels an order: a `store.order.cancel`
//! request over the bus (`requested_by` the seller's name) and the order
//! processor's `store.order.cancel.result` (cancelled, already cancelled,
//! not cancellable, not found) back.

use serde::Serialize;
use store_events::{
    data::{CancelOutcome, OrderCancel, OrderCancelResult, OrderStatus},
    decode,
};

use super::{
    Actor, Handoffs, build_event,
    claim::check_may_send,
    find_products::{request_context, visible_conversation},
    unanswered,
};
use crate::error::ApiError;

/// What the order processor did.
#[derive(Debug, Clone, Serialize)]
pub struct Cancelled {
    /// `cancelled`, `already_cancelled`, `not_cancellable` or `not_found`.
    pub outcome: CancelOutcome,
    /// The order's status now, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
}

/// `actor` cancels order `number` from `conversation`.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation, number))]
pub async fn cancel_order(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
    number: &str,
) -> Result<Cancelled, ApiError> {
    let conv = visible_conversation(inbox, actor, conversation).await?;
    check_may_send(inbox, actor, conversation).await?;
    // Only this shopper's orders: an order number typed into the address
    // cannot reach another shopper's order of the brand.
    let theirs = crate::db::shopper_orders::of_shopper(&inbox.pool, actor.tenant, conversation)
        .await?
        .iter()
        .any(|order| order.number == number);
    if !theirs {
        return Err(ApiError::NotFound("order"));
    }
    let request = OrderCancel {
        order_number: number.to_owned(),
        requested_by: actor.name.to_owned(),
        reason: Some("Cancelled from the inbox".to_owned()),
    };
    let event = build_event(&request_context(&conv, actor.tenant)?, &request)?;
    let reply = inbox
        .bus
        .request(event, inbox.request_timeout)
        .await
        .map_err(|e| {
            unanswered(
                e,
                "The order processor did not answer; the order is unchanged or its cancellation is on its way: check it before trying again".to_owned(),
            )
        })?;
    let result: OrderCancelResult = decode(&reply).map_err(anyhow::Error::new)?;
    tracing::info!(outcome = ?result.outcome, "order cancellation answered");
    Ok(Cancelled {
        outcome: result.outcome,
        status: result.status,
    })
}
