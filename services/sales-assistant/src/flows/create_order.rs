//! The owner of a conversation places an order for the shopper: product
//! ids and quantities only (prices are the catalog's, applied by the
//! order processor), a `store.order.create` request over the bus with the
//! shopper's details as the conversation holds them, its
//! `store.order.created` (number, lines, total, payment link) or
//! `store.order.rejected` (why, per line) back.

use serde::Serialize;
use store_bus::RpcError;
use store_events::{
    AttributesReader as _, EventData as _,
    data::{Channel, OrderCreate, OrderCreated, OrderItem, OrderRejected, ResponsePart},
    decode,
};

use super::{
    Actor, Handoffs, build_event,
    claim::check_may_send,
    find_products::{request_context, visible_conversation},
    unanswered,
};
use crate::error::{ApiError, Refusal};

/// Most lines an order from the inbox has.
pub const MAX_ITEMS: usize = 20;
/// Most units of one line.
pub const MAX_QUANTITY: u32 = 99;

/// A line asked for.
#[derive(Debug, Clone)]
pub struct Item {
    /// Catalog product id.
    pub product_id: String,
    /// Its variant (size, colour), for a product that has variants.
    pub variant_id: Option<String>,
    /// Units, 1–99.
    pub quantity: u32,
}

/// A placed order as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PlacedOrder {
    /// The shop's order number.
    pub number: String,
    /// Its lines, priced by the shop.
    pub lines: Vec<PlacedLine>,
    /// What the shopper pays.
    pub total: String,
    /// Where they pay, when the shop has a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_url: Option<String>,
}

/// A line of a [`PlacedOrder`].
#[derive(Debug, Clone, Serialize)]
pub struct PlacedLine {
    /// Product name.
    pub name: String,
    /// Units.
    pub quantity: u32,
    /// Price of one, as people read it.
    pub unit_price: String,
    /// Price of the line.
    pub line_total: String,
}

/// Checks what is asked: 1–20 lines, quantities 1–99, ids given.
pub fn check_items(items: &[Item]) -> Result<(), ApiError> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(ApiError::BadRequest(format!(
            "An order has 1 to {MAX_ITEMS} items"
        )));
    }
    if let Some(bad) = items.iter().find(|i| i.product_id.trim().is_empty()) {
        return Err(ApiError::BadRequest(format!(
            "Item {bad:?} names no product"
        )));
    }
    if let Some(bad) = items
        .iter()
        .find(|i| i.quantity == 0 || i.quantity > MAX_QUANTITY)
    {
        return Err(ApiError::BadRequest(format!(
            "The quantity of {} must be 1 to {MAX_QUANTITY}",
            bad.product_id
        )));
    }
    Ok(())
}

/// `actor` orders `items` for the shopper of `conversation`.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation, items = items.len()))]
pub async fn create_order(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
    items: &[Item],
) -> Result<PlacedOrder, ApiError> {
    check_items(items)?;
    let conv = visible_conversation(inbox, actor, conversation).await?;
    check_may_send(inbox, actor, conversation).await?;
    let channel: Option<Channel> =
        serde_json::from_value(serde_json::Value::String(conv.channel.clone())).ok();
    let order = OrderCreate {
        customer: conv.customer.0.clone(),
        items: items
            .iter()
            .map(|i| OrderItem {
                product_id: i.product_id.trim().to_owned(),
                variant_id: i.variant_id.as_deref().map(|v| v.trim().to_owned()),
                quantity: i.quantity,
            })
            .collect(),
        delivery: None,
        payment_method: None,
        note: Some(format!("Placed from the inbox by {}", actor.name)),
        channel,
    };
    let event = build_event(&request_context(&conv, actor.tenant)?, &order)?;
    let reply = inbox
        .bus
        .request(event, inbox.request_timeout)
        .await
        .map_err(|e| match e {
            RpcError::Timeout(_) => ApiError::Domain(Refusal::Unanswered(
                "The order processor did not confirm in time; the order may still be placed: check the shopper's orders before placing it again".to_owned(),
            )),
            other => unanswered(other, "Orders cannot be placed right now; try again in a moment".to_owned()),
        })?;
    match reply.ty() {
        OrderCreated::TYPE => {
            let created: OrderCreated = decode(&reply).map_err(anyhow::Error::new)?;
            tracing::info!(order = %created.order_number, "order placed from the inbox");
            // The shopper is told as the AI seller would tell them: the
            // lines, the shop's total and where to pay. The order stands
            // even if this message cannot go out (the seller sees why).
            let summary = order_summary(&created);
            if let Err(error) = super::reply_as_human::send_as_human(
                inbox,
                actor,
                conversation,
                vec![ResponsePart::Text {
                    text: summary.clone(),
                }],
                &summary,
            )
            .await
            {
                tracing::warn!(order = %created.order_number, ?error, "the shopper was not told of the order placed for them");
            }
            Ok(PlacedOrder {
                number: created.order_number,
                lines: created
                    .lines
                    .iter()
                    .map(|l| PlacedLine {
                        name: l.name.clone(),
                        quantity: l.quantity,
                        unit_price: l.unit_price.to_string(),
                        line_total: l.line_total.to_string(),
                    })
                    .collect(),
                total: created.total.to_string(),
                payment_url: created.payment.link,
            })
        }
        OrderRejected::TYPE => {
            let rejected: OrderRejected = decode(&reply).map_err(anyhow::Error::new)?;
            let reasons = rejected
                .reasons
                .iter()
                .map(|r| {
                    let why = serde_json::to_value(r.reason)
                        .ok()
                        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                        .unwrap_or_else(|| "refused".to_owned());
                    match (&r.detail, r.available) {
                        (Some(detail), _) => format!("{}: {why} ({detail})", r.product_id),
                        (None, Some(available)) => {
                            format!("{}: {why} (available: {available})", r.product_id)
                        }
                        (None, None) => format!("{}: {why}", r.product_id),
                    }
                })
                .collect::<Vec<_>>()
                .join("; ");
            let detail = if reasons.is_empty() {
                format!("The order was not placed: {}", rejected.message)
            } else {
                format!("The order was not placed: {} — {reasons}", rejected.message)
            };
            Err(ApiError::Domain(Refusal::Rejected(detail)))
        }
        other => Err(anyhow::anyhow!("unexpected answer {other} to an order").into()),
    }
}

/// What the shopper reads about an order placed for them: its number, the
/// lines with the shop's prices, the total and where to pay.
fn order_summary(created: &OrderCreated) -> String {
    let mut text = format!("Your order {} is placed:", created.order_number);
    for line in &created.lines {
        text.push_str(&format!(
            "\n{} × {} — {}",
            line.quantity, line.name, line.line_total
        ));
    }
    text.push_str(&format!("\nTotal: {}", created.total));
    if let Some(link) = &created.payment.link {
        text.push_str(&format!("\nPay here: {link}"));
    }
    text
}
