//! Order tools: placing an order (request/reply with the order processor
//! over the bus) and the shopper's order history and cancellations (the
//! order processor's HTTP API).

use cloudevents::{AttributesReader, AttributesWriter};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use store_bus::RpcError;
use store_events::{
    EventContext, EventData,
    data::{Delivery, Money, OrderCreate, OrderCreated, OrderItem, OrderRejected},
    decode, new_event,
};

use super::{CancelOrder, CreateOrder, Resend, ToolContext, ToolOutcome, derived_id};
use crate::{
    db::order_wait::{self, LateOrder, OrderRequest},
    domain::money,
};

fn money_json(m: &Money) -> Value {
    json!({"amount_minor": m.amount_minor, "currency": m.currency.as_str(), "display": money::format(m)})
}

/// What the model learns about a placed order: number, lines, totals.
pub(crate) fn created_json(order: &OrderCreated) -> Value {
    json!({
        "placed": true,
        "order_number": order.order_number,
        "status": order.status,
        "lines": order.lines.iter().map(|l| json!({
            "product_id": l.product_id,
            "variant_id": l.variant_id,
            "name": l.name,
            "quantity": l.quantity,
            "unit_price": money_json(&l.unit_price),
            "line_total": money_json(&l.line_total),
        })).collect::<Vec<_>>(),
        "subtotal": money_json(&order.subtotal),
        "delivery_fee": order.delivery_fee.as_ref().map(money_json),
        "total": money_json(&order.total),
        "payment": {"provider": order.payment.provider, "link": order.payment.link},
    })
}

/// What the model learns about a refused order: why, per line.
pub(crate) fn rejected_json(rejected: &OrderRejected) -> Value {
    json!({
        "placed": false,
        "message": rejected.message,
        "reasons": rejected.reasons,
    })
}

/// Places an order: `store.order.create` to the order processor, its
/// `store.order.created` or `store.order.rejected` back, for the model.
#[tracing::instrument(skip_all, fields(conversation = %ctx.conversation, items = args.items.len()))]
pub(crate) async fn create(ctx: &ToolContext, args: CreateOrder, index: usize) -> ToolOutcome {
    if args.items.is_empty() {
        return ToolOutcome::Error("an order needs at least one item".to_owned());
    }
    if let Some(bad) = args.items.iter().find(|i| i.quantity == 0) {
        return ToolOutcome::Error(format!("quantity of {} must be at least 1", bad.product_id));
    }
    let order = OrderCreate {
        customer: ctx.customer.clone(),
        items: args
            .items
            .into_iter()
            .map(|i| OrderItem {
                product_id: i.product_id,
                variant_id: i.variant_id,
                quantity: i.quantity,
            })
            .collect(),
        delivery: args.delivery_address.map(|address| Delivery {
            name: ctx.customer.display_name.clone(),
            phone: ctx.customer.phone.clone(),
            address_lines: vec![address],
            ..Delivery::default()
        }),
        payment_method: args.payment_method,
        note: args.note,
        channel: Some(ctx.channel),
    };
    let Ok(context) = EventContext::caused_by(&ctx.cause) else {
        return ToolOutcome::Error("internal error: the message has no tenant".to_owned());
    };
    let mut event = match new_event(&ctx.bus.config().source, &context, &order) {
        Ok(event) => event,
        Err(e) => return ToolOutcome::Error(format!("internal error: {e}")),
    };
    // Same turn rerun after a crash → same id → the order processor sees a
    // duplicate instead of placing a second order.
    event.set_id(derived_id(&ctx.cause, "order", index));
    let request_id = event.id().to_owned();
    // Sent again, same id, while the broker is away: the order processor
    // answers a repeat with its first answer.
    let reply = match super::request(ctx, event, Resend::AsIs).await {
        Ok(reply) => reply,
        // Sent, but no answer: the order processor may still place it.
        Err(RpcError::Timeout(_) | RpcError::Lost) => return late(ctx, &request_id).await,
        Err(e) => {
            tracing::warn!(error = %e, "order request failed");
            return ToolOutcome::Error(
                "orders cannot be placed right now; try again later".to_owned(),
            );
        }
    };
    outcome_of(&reply)
}

/// What the model learns of an order processor's answer.
pub fn outcome_of(reply: &cloudevents::Event) -> ToolOutcome {
    match reply.ty() {
        OrderCreated::TYPE => match decode::<OrderCreated>(reply) {
            Ok(order) => ToolOutcome::Ok(created_json(&order)),
            Err(e) => ToolOutcome::Error(format!("malformed order confirmation: {e}")),
        },
        OrderRejected::TYPE => match decode::<OrderRejected>(reply) {
            Ok(rejected) => ToolOutcome::Ok(rejected_json(&rejected)),
            Err(e) => ToolOutcome::Error(format!("malformed order refusal: {e}")),
        },
        other => ToolOutcome::Error(format!("unexpected answer {other} to an order")),
    }
}

/// Where the seller keeps the order requests it stopped waiting for, and
/// the shopper's language to tell their outcome in.
#[derive(Clone)]
pub struct LateOrders {
    /// The seller's database.
    pub pool: sqlx::PgPool,
    /// The shopper's language tag.
    pub language: String,
}

/// The order processor did not answer `request_id` in time: the request is
/// marked late, so its outcome is told to the shopper when it comes
/// (`flows::tell_late_order`). When the outcome came meanwhile it is the
/// answer; otherwise the order is pending.
async fn late(ctx: &ToolContext, request_id: &str) -> ToolOutcome {
    let pending = ToolOutcome::Ok(json!({
        "placed": false,
        "pending": true,
        "note": "The order is being placed; its confirmation goes to this chat by itself when it comes. Do not place it again.",
    }));
    let Some(late_orders) = &ctx.late_orders else {
        return pending;
    };
    let request = OrderRequest {
        tenant: ctx.tenant.as_str(),
        brand: ctx.brand.as_str(),
        request_id,
    };
    let late = LateOrder {
        conversation: ctx.conversation.to_string(),
        recipient: ctx.customer.id.clone(),
        // As the event names it (`whatsapp`…), read back the same way.
        channel: serde_json::to_value(ctx.channel)
            .ok()
            .and_then(|c| c.as_str().map(str::to_owned))
            .unwrap_or_default(),
        language: late_orders.language.clone(),
    };
    match order_wait::mark_late(&late_orders.pool, request, &late).await {
        Ok(Some(outcome)) => match serde_json::from_value::<cloudevents::Event>(outcome) {
            Ok(reply) => outcome_of(&reply),
            Err(error) => {
                tracing::error!(%error, "a recorded order outcome is unreadable");
                pending
            }
        },
        Ok(None) => pending,
        Err(error) => {
            // The turn's own record fails the same way and is retried; the
            // retry asks again with the same id and gets the outcome.
            tracing::error!(%error, "could not mark the order request late");
            pending
        }
    }
}

/// The order processor's HTTP API, for history and cancellations.
#[derive(Clone)]
pub struct OrdersApi {
    client: reqwest::Client,
    base_url: String,
    api_key: Option<SecretString>,
}

impl OrdersApi {
    /// A client of the API at `base_url` (e.g. `http://order-processor:8080`).
    pub fn new(
        base_url: impl Into<String>,
        api_key: Option<SecretString>,
        timeout: std::time::Duration,
    ) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            client,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key,
        }
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.api_key {
            Some(key) => request.bearer_auth(key.expose_secret()),
            None => request,
        }
    }
}

fn api(ctx: &ToolContext) -> Result<&OrdersApi, ToolOutcome> {
    ctx.orders_api
        .as_ref()
        .ok_or_else(|| ToolOutcome::Error("order history is not available in this shop".to_owned()))
}

pub(crate) async fn history(ctx: &ToolContext) -> ToolOutcome {
    let api = match api(ctx) {
        Ok(api) => api,
        Err(e) => return e,
    };
    let url = format!(
        "{}/api/v1/orders?customer_id={}&limit=5",
        api.base_url,
        urlencode(&ctx.customer.id)
    );
    let response = api.authorized(api.client.get(url)).send().await;
    match response {
        Ok(r) if r.status().is_success() => match r.json::<Value>().await {
            Ok(body) => {
                ToolOutcome::Ok(json!({ "orders": body.get("orders").cloned().unwrap_or(body) }))
            }
            Err(_) => ToolOutcome::Error("the order service sent a malformed answer".to_owned()),
        },
        Ok(r) => ToolOutcome::Error(format!(
            "the order service answered {}",
            r.status().as_u16()
        )),
        Err(_) => ToolOutcome::Error("the order service is not reachable right now".to_owned()),
    }
}

pub(crate) async fn cancel(ctx: &ToolContext, args: CancelOrder) -> ToolOutcome {
    let api = match api(ctx) {
        Ok(api) => api,
        Err(e) => return e,
    };
    let url = format!(
        "{}/api/v1/orders/by-number/{}/cancel",
        api.base_url,
        urlencode(&args.order_number)
    );
    let body = json!({ "reason": args.reason, "customer_id": ctx.customer.id });
    match api
        .authorized(api.client.post(url))
        .json(&body)
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => {
            ToolOutcome::Ok(json!({ "cancelled": true, "order_number": args.order_number }))
        }
        Ok(r) if r.status().as_u16() == 404 => {
            ToolOutcome::Error(format!("no order {} for this shopper", args.order_number))
        }
        Ok(r) if r.status().as_u16() == 409 => ToolOutcome::Error(format!(
            "order {} can no longer be cancelled (already shipped or closed)",
            args.order_number
        )),
        Ok(r) => ToolOutcome::Error(format!(
            "the order service answered {}",
            r.status().as_u16()
        )),
        Err(_) => ToolOutcome::Error("the order service is not reachable right now".to_owned()),
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
