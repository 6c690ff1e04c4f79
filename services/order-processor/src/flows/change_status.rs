//! Changing an order's status: pay (the shop's API or a payment webhook),
//! fulfil, ship, deliver, cancel (the shop or the shopper; a seller's
//! `store.order.cancel` through `cancel_order.rs`) or expire (the sweep).
//! Lock the order, let the state machine (`domain::lifecycle`) decide,
//! store the change, and queue in the same transaction the events it
//! causes: `store.order.status.changed`, a `store.chat.response` for the
//! shopper (when the order came from a chat channel) and
//! `store.inventory.release` when the stock goes back. The relay
//! (`relay_outbox.rs`) publishes them after the commit.

use chrono::Utc;
use sqlx::PgConnection;
use store_events::{
    BrandId, ConversationId, Event, EventContext, TenantId,
    data::{
        Channel, ChatResponse, InventoryRelease, OrderStatus, OrderStatusChanged, ReleaseReason,
        ResponsePart, Sender,
    },
    new_event,
};

use super::Orders;
use crate::{
    db::{
        self,
        orders::{OrderKey, OrderRow, OrderView},
    },
    domain::lifecycle::{Command, Outcome, TransitionError, decide, shopper_message},
};

/// Why a command was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// No such order in the tenant.
    #[error("order not found")]
    NotFound,
    /// The order's status does not allow it.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The database or an event failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApplyError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// The context of the events of an order: its tenant, brand, conversation
/// and the correlation id of the exchange that placed it.
pub fn order_context(order: &OrderRow) -> anyhow::Result<EventContext> {
    let mut context = EventContext::new(TenantId::parse(&order.tenant_id)?)
        .with_brand(BrandId::parse(&order.brand_id)?)
        .with_subject(order.id.to_string());
    if let Some(conversation) = &order.conversation {
        context = context.with_conversation(ConversationId::parse(conversation)?);
    }
    context.correlation_id = Some(order.correlation_id.clone());
    Ok(context)
}

fn channel_of(name: &str) -> Option<Channel> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// The events a move of `order` from `from` to `to` causes; `note`, when
/// given, is added to what the shopper is told.
pub fn events_of_move(
    order: &OrderRow,
    from: OrderStatus,
    to: OrderStatus,
    reason: Option<&str>,
    note: Option<&str>,
    tracking_number: Option<&str>,
    release_stock: bool,
) -> anyhow::Result<Vec<Event>> {
    let context = order_context(order)?;
    let source = crate::SOURCE;
    let mut events = vec![new_event(
        source,
        &context,
        &OrderStatusChanged {
            order_id: order.id.to_string(),
            order_number: order.number.clone(),
            from,
            to,
            reason: reason.map(str::to_owned),
            tracking_number: tracking_number
                .map(str::to_owned)
                .or_else(|| order.tracking_number.clone()),
            changed_at: Utc::now(),
        },
    )?];
    // The shopper is told on the channel they ordered on.
    if let (Some(channel), Some(_)) = (
        order.channel.as_deref().and_then(channel_of),
        &order.conversation,
    ) {
        events.push(new_event(
            source,
            &context,
            &ChatResponse {
                channel,
                recipient: order.customer_id.clone(),
                reply_to_message_id: None,
                sender: Sender::System,
                parts: vec![ResponsePart::Text {
                    text: match note {
                        Some(note) => format!(
                            "{}\n{note}",
                            shopper_message(&order.number, to, tracking_number)
                        ),
                        None => shopper_message(&order.number, to, tracking_number),
                    },
                }],
            },
        )?);
    }
    if release_stock {
        events.push(new_event(
            source,
            &context,
            &InventoryRelease {
                reservation_id: order.request_event_id.clone(),
                reason: if to == OrderStatus::Expired {
                    ReleaseReason::Expired
                } else {
                    ReleaseReason::Cancelled
                },
            },
        )?);
    }
    Ok(events)
}

/// Applies `command` to a locked `order` inside `conn`'s transaction
/// (`reason` for its history and `store.order.status.changed`, `note` for
/// the shopper, after the usual message); returns whether it moved.
#[tracing::instrument(skip_all, fields(order = %order.number, command = ?command))]
pub async fn apply_locked(
    conn: &mut PgConnection,
    order: &OrderRow,
    command: &Command,
    reason: Option<&str>,
    note: Option<&str>,
) -> Result<bool, ApplyError> {
    let from = order.status();
    let Outcome::Moved { to, release_stock } = decide(from, command)? else {
        return Ok(false);
    };
    let tracking = match command {
        Command::Ship { tracking_number } => tracking_number.as_deref(),
        _ => None,
    };
    db::orders::set_status(conn, order.id, to, tracking).await?;
    db::orders::record_status(conn, order.id, Some(from), to, reason).await?;
    for event in events_of_move(order, from, to, reason, note, tracking, release_stock)? {
        db::outbox::enqueue(conn, &event).await?;
    }
    Ok(true)
}

/// Applies `command` to the order `key` of `tenant` (only when it is the
/// shopper `customer_id`'s, when given); returns the order as it is
/// afterwards.
#[tracing::instrument(skip_all, fields(tenant = %tenant, order = ?key, command = ?command))]
pub async fn change_status(
    orders: &Orders,
    tenant: &TenantId,
    key: &OrderKey,
    command: Command,
    reason: Option<&str>,
    customer_id: Option<&str>,
) -> Result<OrderView, ApplyError> {
    let mut tx = orders.pool.begin().await?;
    let order = db::orders::lock(&mut tx, tenant, key)
        .await?
        .filter(|o| customer_id.is_none_or(|c| c == o.customer_id))
        .ok_or(ApplyError::NotFound)?;
    let moved = apply_locked(&mut tx, &order, &command, reason, None).await?;
    let id = order.id;
    tx.commit().await?;
    if moved {
        orders.outbox_ready.notify_one();
    }
    db::orders::get(&orders.pool, tenant, &OrderKey::Id(id))
        .await?
        .ok_or(ApplyError::NotFound)
}
