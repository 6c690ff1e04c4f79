//! `store.order.create`: check the request, reserve and price its items
//! through the catalog, place the order or reject it, and answer.
//!
//! Effectively once per request event id: the reservation is named by the
//! event id (the catalog answers a repeated reservation with the first
//! answer), and the outcome is recorded with the order in one transaction;
//! a redelivered request finds the record and is answered with the very
//! same outcome event. Outcomes go to the exchange through the outbox and,
//! when the request came with `reply_to`, straight back to the requester.

use chrono::Utc;
use cloudevents::{AttributesReader, Event};
use store_bus::{Handler, HandlerError, Incoming, RequestHandler, Responder, RpcError};
use store_events::{
    BrandId, EventContext, EventMeta, TenantId,
    data::{
        InventoryRelease, InventoryReservation, InventoryReserve, OrderCreate, OrderCreated,
        OrderRejected, OrderStatus, Payment, RejectedItem, ReleaseReason, ReservationOutcome,
    },
    decode, new_event,
};
use uuid::Uuid;

use super::Shared;
use crate::{
    db::{self, orders::NewOrder},
    domain::{pricing, request},
    payments::{PaymentError, PaymentRequest},
};

/// Handles `store.order.create`.
pub struct CreateHandler(pub Shared);

/// Answers a request with an event decided beforehand.
struct Fixed(Event);

#[async_trait::async_trait]
impl RequestHandler for Fixed {
    async fn respond(&self, _: &Incoming) -> Result<Event, HandlerError> {
        Ok(self.0.clone())
    }
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

impl CreateHandler {
    /// Sends `outcome` to the requester, if the request asked for a reply.
    async fn answer(&self, incoming: &Incoming, outcome: Event) -> Result<(), HandlerError> {
        if incoming.reply_to.is_none() {
            return Ok(());
        }
        Responder::new(self.0.bus.clone(), Fixed(outcome))
            .handle(incoming)
            .await
    }

    /// Reserves and prices through the catalog.
    async fn decide(
        &self,
        event: &Event,
        context: &EventContext,
        tenant: &TenantId,
        brand: &BrandId,
        request: OrderCreate,
    ) -> Result<Decision, HandlerError> {
        if let Err(refusal) = request::check(&request) {
            return Ok(rejected(refusal.reasons, refusal.message));
        }
        let reserve = InventoryReserve {
            reservation_id: event.id().to_owned(),
            items: request.items.clone(),
        };
        let ask = new_event(crate::SOURCE, context, &reserve).map_err(HandlerError::reject)?;
        let reply = match self.0.bus.request(ask, self.0.catalog_timeout).await {
            Ok(reply) => reply,
            // The catalog is down or slow: try again later with the same
            // reservation id, which the catalog answers once.
            Err(
                error @ (RpcError::Timeout(_)
                | RpcError::Lost
                | RpcError::Publish(_)
                | RpcError::Bus(_)),
            ) => {
                return Err(HandlerError::retry(error));
            }
        };
        let reservation: InventoryReservation = decode(&reply).map_err(HandlerError::retry)?;
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
            .then(|| Utc::now() + self.0.payment_timeout);
        // Numbers are taken outside the order's transaction: a retried or
        // abandoned attempt leaves a gap, never a duplicate.
        let number = {
            let mut conn = self.0.pool.acquire().await.map_err(HandlerError::retry)?;
            db::orders::next_number(&mut conn, tenant, brand.as_str())
                .await
                .map_err(HandlerError::retry)?
        };
        let provider = self
            .0
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
        &self,
        event: &Event,
        context: &EventContext,
        tenant: &TenantId,
        decision: Decision,
    ) -> Result<Event, HandlerError> {
        let retry = HandlerError::retry;
        let mut tx = self.0.pool.begin().await.map_err(retry)?;
        let mut release = None;
        let (outcome, order) = match decision {
            Decision::Rejected(data, give_back) => {
                if give_back {
                    let data = InventoryRelease {
                        reservation_id: event.id().to_owned(),
                        reason: ReleaseReason::Abandoned,
                    };
                    release = Some(
                        new_event(crate::SOURCE, context, &data).map_err(HandlerError::reject)?,
                    );
                }
                (
                    new_event(crate::SOURCE, context, &data).map_err(HandlerError::reject)?,
                    None,
                )
            }
            Decision::Placed(order) => {
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
                (
                    new_event(crate::SOURCE, &context, &created).map_err(HandlerError::reject)?,
                    Some(order),
                )
            }
        };
        let order_id = order.as_ref().map(|o| o.id);
        let first = db::orders::record_request(&mut tx, tenant, event.id(), &outcome, order_id)
            .await
            .map_err(retry)?;
        if !first {
            // Another delivery of the same request got there first.
            tx.rollback().await.map_err(retry)?;
            let mut conn = self.0.pool.acquire().await.map_err(retry)?;
            return db::orders::find_request(&mut conn, tenant, event.id())
                .await
                .map_err(retry)?
                .ok_or_else(|| HandlerError::retry("order request record vanished"));
        }
        if let Some(order) = &order {
            db::orders::insert(&mut tx, order).await.map_err(retry)?;
        }
        db::outbox::enqueue(&mut tx, &outcome)
            .await
            .map_err(retry)?;
        if let Some(release) = &release {
            db::outbox::enqueue(&mut tx, release).await.map_err(retry)?;
        }
        tx.commit().await.map_err(retry)?;
        self.0.outbox_ready.notify_one();
        match &order {
            Some(order) => tracing::info!(
                order = %order.number,
                total_minor = order.total.amount_minor,
                "order placed"
            ),
            None => tracing::info!(request = %event.id(), "order request rejected"),
        }
        Ok(outcome)
    }
}

#[async_trait::async_trait]
impl Handler for CreateHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let event = &incoming.event;
        let meta = EventMeta::from_event(event)?;
        let stored = {
            let mut conn = self.0.pool.acquire().await.map_err(HandlerError::retry)?;
            db::orders::find_request(&mut conn, &meta.tenant, event.id())
                .await
                .map_err(HandlerError::retry)?
        };
        if let Some(outcome) = stored {
            return self.answer(incoming, outcome).await;
        }
        let context = EventContext::caused_by(event)?;
        let mut malformed = None;
        let decision = match (decode::<OrderCreate>(event), &meta.brand) {
            (Err(error), _) => {
                let message = format!("The order request is malformed: {}", describe(&error));
                malformed = Some(error);
                rejected(vec![], message)
            }
            (Ok(_), None) => rejected(vec![], "The order request names no brand."),
            (Ok(request), Some(brand)) => {
                self.decide(event, &context, &meta.tenant, brand, request)
                    .await?
            }
        };
        let outcome = self.record(event, &context, &meta.tenant, decision).await?;
        self.answer(incoming, outcome).await?;
        match malformed {
            // Answered, and kept in the dead-letter queue for a look.
            Some(error) => Err(HandlerError::reject(error)),
            None => Ok(()),
        }
    }
}

/// An error with its causes, for a message.
fn describe(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
