//! The sales assistant's use cases, one file each, from the event or
//! request that starts one to what it records and the events it causes:
//!
//! - [`open_handoff`]: `store.sales.escalate` → a hand-off (or the
//!   conversation's open one escalated again) seeded with the conversation
//!   so far;
//! - [`record_shopper_message`]: `store.chat.message.new` of a conversation
//!   with an open hand-off → its transcript (within [`record_conversation`]'s
//!   transaction);
//! - [`record_human_reply`]: `store.chat.response` written by a human (from
//!   any replica or tool) → its transcript;
//! - [`record_order`]: `store.order.created` and
//!   `store.order.status.changed` → the shop's orders (`shop_order`), with
//!   who closed each sale;
//! - [`reply_as_human`]: a human seller's reply over HTTP →
//!   `store.chat.response` for the shopper;
//! - [`resolve_handoff`]: a human seller hands the conversation back or
//!   closes it over HTTP → `store.sales.resolved`;
//! - [`record_conversation`]: every `store.chat.message.new` and
//!   `store.chat.response` → the conversation and its whole transcript;
//! - [`record_delivery`]: `store.chat.delivery` → the reply's delivery;
//! - [`defer`]: a new escalation nobody can answer now (off hours, no
//!   seller signed in) → the shopper told when, `store.sales.deferred`;
//! - the inbox's actions, each by the signed-in seller: [`claim`],
//!   [`take_over`], [`release`], [`transfer`], [`hand_back`], replying
//!   ([`reply_as_human::send_as_human`]), [`send_product`],
//!   [`draft_reply`], [`find_products`], [`create_order`],
//!   [`cancel_order`].
//!
//! Those the bus starts are effectively once: each claims its event in the
//! idempotency ledger inside the transaction holding its writes, and the
//! consumer acks only after that commit. Those a human starts publish their
//! event with a publisher confirm before they commit: when the broker does
//! not take it, nothing is recorded. [`Handoffs`] is what they share.

pub mod cancel_order;
pub mod claim;
pub mod create_order;
pub mod defer;
pub mod draft_reply;
pub mod find_products;
pub mod hand_back;
pub mod open_handoff;
pub mod record_conversation;
pub mod record_delivery;
pub mod record_human_reply;
pub mod record_order;
pub mod record_shopper_message;
pub mod release;
pub mod reply_as_human;
pub mod resolve_handoff;
pub mod send_product;
pub mod take_over;
pub mod transfer;

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use store_bus::{Bus, HandlerError, RpcError};
use store_events::{
    AttributesReader as _, BrandId, ConversationId, EventContext, TenantId,
    data::{Channel, ChatResponse, ResponsePart, Sender},
};
use uuid::Uuid;

use crate::{
    db::{self, conversations::Conversation, handoffs::Handoff},
    domain::{hours::StaffedHours, ownership::Refused},
    error::{ApiError, Refusal, bus_unavailable},
    metrics::InboxMetrics,
};

/// What every use case of the sales assistant works with (the hand-offs' database, the bus, the metrics).
pub struct Handoffs {
    /// The database.
    pub pool: PgPool,
    /// The bus, to publish replies and hand-backs.
    pub bus: Bus,
    /// The inbox's metrics.
    pub metrics: InboxMetrics,
    /// The brands' staffed hours (`INBOX_STAFFED_HOURS`).
    pub staffed_hours: StaffedHours,
    /// Defer a new escalation when no seller of the brand is signed in
    /// (`INBOX_DEFER_WHEN_NOBODY_SIGNED_IN`).
    pub defer_when_nobody_signed_in: bool,
    /// How long a request over the bus waits for its answer (a draft, the
    /// catalog, the order processor).
    pub request_timeout: Duration,
}

/// [`Handoffs`], shared by the consumer and the HTTP handlers.
pub type Shared = Arc<Handoffs>;

/// The context of the events about `handoff`: its tenant, brand and
/// conversation, and the correlation id of the exchange that escalated it
/// (so a reply and the hand-back join that exchange). A person caused
/// them, not an event, hence no causation id.
pub fn handoff_context(handoff: &Handoff) -> anyhow::Result<EventContext> {
    let mut context = EventContext::new(TenantId::parse(&handoff.tenant_id)?)
        .with_brand(BrandId::parse(&handoff.brand_id)?)
        .with_conversation(ConversationId::parse(&handoff.conversation)?)
        .with_subject(handoff.id.to_string());
    context.correlation_id = Some(handoff.correlation_id.clone());
    Ok(context)
}

/// A database failure while handling an event: transient, try again later.
fn retry(error: sqlx::Error) -> HandlerError {
    HandlerError::retry(error)
}

/// The signed-in human seller acting in the inbox.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// Their tenant: every conversation they act on is of it.
    pub tenant: &'a str,
    /// Their account.
    pub account: Uuid,
    /// Their name, as shoppers and colleagues see it.
    pub name: &'a str,
    /// The brands they may work; `None` for an owner (every brand).
    pub brands: Option<&'a [String]>,
}

impl Actor<'_> {
    /// Whether they may work `brand`'s conversations.
    pub fn may_work(&self, brand: &str) -> bool {
        self.brands
            .is_none_or(|brands| brands.iter().any(|b| b == brand))
    }
}

/// The actor's conversation, locked in `conn`'s transaction; 404 when
/// their tenant has none of that id, or of a brand they may not work.
pub async fn lock_conversation(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<Conversation, ApiError> {
    db::conversations::lock(conn, actor.tenant, conversation)
        .await?
        .filter(|c| actor.may_work(&c.brand_id))
        .ok_or(ApiError::NotFound("conversation"))
}

/// A refused action as the API's 409 with the sentence saying why.
pub fn refused(refusal: Refused) -> ApiError {
    ApiError::Conflict(refusal.to_string())
}

/// The context of events about `conversation` caused by a person: its
/// tenant, brand and conversation; with a hand-off, its id as subject and
/// the correlation id of the exchange that escalated it.
pub fn conversation_context(
    conversation: &Conversation,
    handoff: Option<&Handoff>,
) -> anyhow::Result<EventContext> {
    let mut context = EventContext::new(TenantId::parse(&conversation.tenant_id)?)
        .with_brand(BrandId::parse(&conversation.brand_id)?)
        .with_conversation(ConversationId::parse(&conversation.conversation)?);
    if let Some(handoff) = handoff {
        context = context.with_subject(handoff.id.to_string());
        context.correlation_id = Some(handoff.correlation_id.clone());
    }
    Ok(context)
}

/// A request over the bus that got no answer, as the API's error: nothing
/// bound for it or no answer in time is `who` not answering (503 with
/// `unanswered`), the broker refusing it is 503 `bus_unavailable`.
pub fn unanswered(error: RpcError, unanswered: String) -> ApiError {
    match error {
        RpcError::Timeout(_) | RpcError::Publish(store_bus::PublishError::Unroutable { .. }) => {
            tracing::warn!(error = %store_bus::error_chain(&error), "request unanswered");
            ApiError::Domain(Refusal::Unanswered(unanswered))
        }
        RpcError::Publish(error) => bus_unavailable(error),
        other => {
            tracing::warn!(error = %store_bus::error_chain(&other), "request failed");
            ApiError::Domain(Refusal::Unanswered(unanswered))
        }
    }
}

/// Publishes an event that tells the brand's AI seller something it may
/// act on (`store.sales.claimed`, `store.sales.deferred`) with a publisher
/// confirm. Nothing bound to take it (no seller of the brand deployed) is
/// not an error: nobody is there to tell, and a person's action must not
/// fail for it.
pub async fn publish_notice(
    bus: &Bus,
    event: store_events::Event,
) -> Result<(), store_bus::PublishError> {
    match bus.publish(event).await {
        Err(store_bus::PublishError::Unroutable { .. }) => {
            tracing::warn!("no AI seller of the brand takes this event; published to nobody");
            Ok(())
        }
        other => other,
    }
}

/// A new event of the sales assistant with `context` and `data`.
pub fn build_event<T: store_events::EventData>(
    context: &EventContext,
    data: &T,
) -> anyhow::Result<store_events::Event> {
    Ok(store_events::new_event(crate::SOURCE, context, data)?)
}

/// What the inbox says to the shopper of `conv` (a person's reply, or the
/// store's notice that one joined): its `store.chat.response` event,
/// recorded in `conn`'s transaction as the conversation's latest message
/// and in its transcript, pending delivery. The caller publishes the event
/// before committing. Returns the event, the message's transcript `seq`
/// (none when that event was recorded already) and its time.
pub async fn record_outgoing(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    conv: &Conversation,
    handoff: &Handoff,
    sender: Sender,
    parts: Vec<ResponsePart>,
    text: &str,
) -> Result<(store_events::Event, Option<i32>, DateTime<Utc>), ApiError> {
    let channel: Channel = serde_json::from_value(serde_json::Value::String(conv.channel.clone()))
        .map_err(anyhow::Error::new)?;
    let stored_parts = serde_json::to_value(&parts).map_err(anyhow::Error::new)?;
    let event = build_event(
        &conversation_context(conv, Some(handoff))?,
        &ChatResponse {
            channel,
            recipient: conv.customer.id.clone(),
            reply_to_message_id: None,
            sender,
            parts,
        },
    )?;
    let at = event.time().copied().unwrap_or_else(Utc::now);
    let sender_name = record_conversation::sender_name(sender);
    db::conversations::record(
        conn,
        &db::conversations::Activity {
            tenant: actor.tenant,
            conversation: &conv.conversation,
            brand: &conv.brand_id,
            channel: &conv.channel,
            customer: &conv.customer,
            customer_known: false,
            sender: sender_name,
            text,
            at,
        },
        None,
    )
    .await?;
    let seq = db::messages::append(
        conn,
        &db::messages::NewMessage {
            tenant: actor.tenant,
            conversation: &conv.conversation,
            sender: sender_name,
            text,
            parts: Some(stored_parts),
            at,
            agent: (sender == Sender::Human).then_some((actor.account, actor.name)),
            source_id: event.id(),
            delivery: Some("pending"),
        },
        None,
    )
    .await?;
    Ok((event, seq, at))
}
