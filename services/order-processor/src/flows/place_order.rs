//! Placing an order (`store.order.create`): check the request, reserve and
//! price its items through the catalog (`store.inventory.reserve`), start
//! its payment, then store the order, the request's record and the outcome
//! event (`store.order.created` or `store.order.rejected`) at once (a
//! placed order in one statement), the outcome in the outbox. The consumer
//! (`consumers/order_create.rs`) answers the requester with that outcome;
//! the relay (`relay_outbox.rs`) publishes it.
//!
//! Effectively once per request event id: the reservation is named by the
//! event id (the catalog answers a repeated reservation with the first
//! answer), and the outcome is recorded with the order in one transaction;
//! a redelivered request finds the record and is answered with the very
//! same outcome event. Outcomes go to the exchange through the outbox and,
//! when the request came with `reply_to`, straight back to the requester.

use chrono::Utc;
use cloudevents::{AttributesReader, Event};
use store_bus::{HandlerError, RpcError};
use store_events::{
    BrandId, DecodeError, EventContext, EventMeta, TenantId,
    data::{
        InventoryRelease, InventoryReservation, InventoryReserve, OrderCreate, OrderCreated,
        OrderRejected, OrderStatus, Payment, RejectedItem, ReleaseReason, ReservationOutcome,
    },
    decode, new_event,
};
use uuid::Uuid;

use super::Orders;
use crate::{
    db::{self, orders::NewOrder},
    domain::{pricing, request},
    payments::{PaymentError, PaymentRequest},
};

/// What became of an order request.
pub struct Answered {
    /// `store.order.created` or `store.order.rejected`, for the requester
    /// (the same event, same id, for every delivery of the request).
    pub outcome: Event,
    /// Why the request could not be read, when it could not: it is
    /// answered, then kept in the dead-letter queue for a look.
    pub malformed: Option<DecodeError>,
}

/// Places the order `event` asks for (`store.order.create`), or rejects it;
/// a request handled before gets its recorded outcome. A failure worth
/// retrying (the database, the catalog or the payment provider down) is a
/// retry, with the same reservation id.
#[tracing::instrument(skip_all, fields(request = %event.id()))]
pub async fn place_order(orders: &Orders, event: &Event) -> Result<Answered, HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let stored = {
        let mut conn = orders.pool.acquire().await.map_err(HandlerError::retry)?;
        db::orders::find_request(&mut conn, &meta.tenant, event.id())
            .await
            .map_err(HandlerError::retry)?
    };
    if let Some(outcome) = stored {
        return Ok(Answered {
            outcome,
            malformed: None,
        });
    }
    let context = EventContext::caused_by(event)?;
    let mut malformed = None;
    let decision = match (decode::<OrderCreate>(event), &meta.brand) {
        (Err(error), _) => {
            let message = format!(
                "The order request is malformed: {}",
                store_bus::error_chain(&error)
            );
            malformed = Some(error);
            rejected(vec![], message)
        }
        (Ok(_), None) => rejected(vec![], "The order request names no brand."),
        (Ok(request), Some(brand)) => {
            decide(orders, event, &context, &meta.tenant, brand, request).await?
        }
    };
    let outcome = record(orders, event, &context, &meta.tenant, decision).await?;
    Ok(Answered { outcome, malformed })
}

/// What was decided about a request, before it is recorded.
enum Decision {
    Placed(Box<NewOrder>),
    /// Rejected; `true` when stock was reserved and must go back.
    Rejected(OrderRejected, bool),
}

fn rejected(reasons: Vec<RejectedItem>, message: impl Into<String>) -> Decision {
    Decision::Rejected(
        OrderRejected {
            reasons,
            message: message.into(),
        },
        false,
    )
}

/// Rejected after the catalog reserved the items: the reservation is given
/// back (`abandoned`) with the rejection.
fn abandoned(message: impl Into<String>) -> Decision {
    Decision::Rejected(
        OrderRejected {
            reasons: vec![],
            message: message.into(),
        },
        true,
    )
}

/// Payment methods paid on delivery: their orders do not expire.
fn pays_on_delivery(method: Option<&str>) -> bool {
    matches!(method, Some("cash_on_delivery" | "cash" | "cod"))
}

/// Asks the catalog to reserve `request`'s items under the reservation id
/// `reservation_id`; the catalog answers a repeated id with its first
/// answer. No answer (the catalog down or slow) is a retry.
#[tracing::instrument(skip_all, fields(reservation = reservation_id))]
async fn reserve(
    orders: &Orders,
    context: &EventContext,
    reservation_id: &str,
    request: &OrderCreate,
) -> Result<InventoryReservation, HandlerError> {
    let reserve = InventoryReserve {
        reservation_id: reservation_id.to_owned(),
        items: request.items.clone(),
    };
    let ask = new_event(crate::SOURCE, context, &reserve).map_err(HandlerError::reject)?;
    let reply = match orders.bus.request(ask, orders.catalog_timeout).await {
        Ok(reply) => reply,
        Err(
            error @ (RpcError::Timeout(_)
            | RpcError::Lost
            | RpcError::Publish(_)
            | RpcError::Bus(_)),
        ) => {
            return Err(HandlerError::retry(error));
        }
    };
    decode(&reply).map_err(HandlerError::retry)
}

/// Reserves and prices through the catalog, and starts the payment.
async fn decide(
    orders: &Orders,
    event: &Event,
    context: &EventContext,
    tenant: &TenantId,
    brand: &BrandId,
    request: OrderCreate,
) -> Result<Decision, HandlerError> {
    if let Err(refusal) = request::check(&request) {
        return Ok(rejected(refusal.reasons, refusal.message));
    }
    // The reservation is named by the request: a retried request gets
    // the same reservation.
    let reservation = reserve(orders, context, event.id(), &request).await?;
    match reservation.outcome {
        ReservationOutcome::Refused => {
            let message = request::refusal_message(&reservation.refusals);
            return Ok(rejected(reservation.refusals, message));
        }
        ReservationOutcome::Failed => {
            let message = reservation.error.map_or_else(
                || "The catalog refused the order.".to_owned(),
                |e| e.message,
            );
            return Ok(rejected(vec![], message));
        }
        ReservationOutcome::Reserved => {}
    }
    let priced = match pricing::price(&reservation.lines, None) {
        Ok(priced) => priced,
        Err(error) => {
            tracing::warn!(%error, "reserved lines cannot be priced");
            return Ok(abandoned(
                "The order cannot be priced; please order the items separately.",
            ));
        }
    };
    let expires_at = (!pays_on_delivery(request.payment_method.as_deref()))
        .then(|| Utc::now() + orders.payment_timeout);
    // Numbers are taken outside the order's transaction: a retried or
    // abandoned attempt leaves a gap, never a duplicate.
    let number = {
        let mut conn = orders.pool.acquire().await.map_err(HandlerError::retry)?;
        db::orders::next_number(&mut conn, tenant, brand.as_str())
            .await
            .map_err(HandlerError::retry)?
    };
    let provider = orders
        .payments
        .for_method(request.payment_method.as_deref());
    let started = match provider
        .start(&PaymentRequest {
            tenant: tenant.clone(),
            reference: event.id().to_owned(),
            order_number: number.clone(),
            total: priced.total.clone(),
        })
        .await
    {
        Ok(started) => started,
        Err(error @ PaymentError::Unavailable(_)) => return Err(HandlerError::retry(error)),
        Err(error @ PaymentError::Refused(_)) => {
            tracing::warn!(%error, "payment could not be started");
            return Ok(abandoned(
                "The payment could not be started; please try another payment method.",
            ));
        }
    };
    Ok(Decision::Placed(Box::new(NewOrder {
        id: Uuid::now_v7(),
        tenant: tenant.clone(),
        brand: brand.to_string(),
        request_event_id: event.id().to_owned(),
        correlation_id: context
            .correlation_id
            .clone()
            .unwrap_or_else(|| event.id().to_owned()),
        conversation: context.conversation.as_ref().map(ToString::to_string),
        channel: request.channel.and_then(|c| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        }),
        customer: request.customer,
        lines: priced.lines,
        subtotal: priced.subtotal,
        delivery_fee: priced.delivery_fee,
        total: priced.total,
        delivery: request.delivery,
        note: request.note,
        number,
        payment: Payment {
            provider: started.provider.to_owned(),
            link: started.link,
        },
        payment_reference: started.provider_reference,
        expires_at,
    })))
}

/// Records the decision and queues its event; returns the outcome event
/// (the earlier one if another delivery recorded first).
async fn record(
    orders: &Orders,
    event: &Event,
    context: &EventContext,
    tenant: &TenantId,
    decision: Decision,
) -> Result<Event, HandlerError> {
    let retry = HandlerError::retry;
    let (outcome, first) = match decision {
        Decision::Placed(order) => {
            let outcome = created(context, &order)?;
            let mut conn = orders.pool.acquire().await.map_err(retry)?;
            let first = db::orders::place(&mut conn, &order, &outcome)
                .await
                .map_err(retry)?;
            if first {
                tracing::info!(
                    order = %order.number,
                    total_minor = order.total.amount_minor,
                    "order placed"
                );
            }
            (outcome, first)
        }
        Decision::Rejected(data, give_back) => {
            let outcome = new_event(crate::SOURCE, context, &data).map_err(HandlerError::reject)?;
            let release = give_back
                .then(|| {
                    let data = InventoryRelease {
                        reservation_id: event.id().to_owned(),
                        reason: ReleaseReason::Abandoned,
                    };
                    new_event(crate::SOURCE, context, &data).map_err(HandlerError::reject)
                })
                .transpose()?;
            let first = record_rejected(orders, event, tenant, &outcome, release.as_ref()).await?;
            if first {
                tracing::info!(request = %event.id(), "order request rejected");
            }
            (outcome, first)
        }
    };
    if !first {
        // Another delivery of the same request got there first.
        let mut conn = orders.pool.acquire().await.map_err(retry)?;
        return db::orders::find_request(&mut conn, tenant, event.id())
            .await
            .map_err(retry)?
            .ok_or_else(|| HandlerError::retry("order request record vanished"));
    }
    orders.outbox_ready.notify_one();
    Ok(outcome)
}

/// `store.order.created` for `order`, about the order (its subject).
fn created(context: &EventContext, order: &NewOrder) -> Result<Event, HandlerError> {
    let created = OrderCreated {
        order_id: order.id.to_string(),
        order_number: order.number.clone(),
        lines: order.lines.clone(),
        subtotal: order.subtotal.clone(),
        delivery_fee: order.delivery_fee.clone(),
        total: order.total.clone(),
        status: OrderStatus::PendingPayment,
        payment: order.payment.clone(),
    };
    let context = context.clone().with_subject(order.id.to_string());
    new_event(crate::SOURCE, &context, &created).map_err(HandlerError::reject)
}

/// Records a rejection and queues `outcome` (and `release`, giving a
/// reservation back) in one transaction; false when another delivery
/// recorded the request first (then nothing is written).
async fn record_rejected(
    orders: &Orders,
    event: &Event,
    tenant: &TenantId,
    outcome: &Event,
    release: Option<&Event>,
) -> Result<bool, HandlerError> {
    let retry = HandlerError::retry;
    let mut tx = orders.pool.begin().await.map_err(retry)?;
    let first = db::orders::record_request(&mut tx, tenant, event.id(), outcome, None)
        .await
        .map_err(retry)?;
    if !first {
        tx.rollback().await.map_err(retry)?;
        return Ok(false);
    }
    db::outbox::enqueue(&mut tx, outcome).await.map_err(retry)?;
    if let Some(release) = release {
        db::outbox::enqueue(&mut tx, release).await.map_err(retry)?;
    }
    tx.commit().await.map_err(retry)?;
    Ok(true)
}
