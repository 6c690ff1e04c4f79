//! The sales assistant's use cases, one file each, from the event or
//! request that starts one to what it records and the events it causes:
//!
//! - [`open_handoff`]: `store.sales.escalate` → a hand-off (or the
//!   conversation's open one escalated again) seeded with the conversation
//!   so far;
//! - [`record_shopper_message`]: `store.chat.message.new` of a conversation
//!   with an open hand-off → its transcript;
//! - [`record_human_reply`]: `store.chat.response` written by a human (from
//!   any replica or tool) → its transcript;
//! - [`record_order`]: `store.order.created` and
//!   `store.order.status.changed` → the shop's orders (`shop_order`), with
//!   who closed each sale;
//! - [`reply_as_human`]: a human seller's reply over HTTP →
//!   `store.chat.response` for the shopper;
//! - [`resolve_handoff`]: a human seller hands the conversation back or
//!   closes it over HTTP → `store.sales.resolved`.
//!
//! Those the bus starts are effectively once: each claims its event in the
//! idempotency ledger inside the transaction holding its writes, and the
//! consumer acks only after that commit. Those a human starts publish their
//! event with a publisher confirm before they commit: when the broker does
//! not take it, nothing is recorded. [`Handoffs`] is what they share.

pub mod open_handoff;
pub mod record_human_reply;
pub mod record_order;
pub mod record_shopper_message;
pub mod reply_as_human;
pub mod resolve_handoff;

use std::sync::Arc;

use sqlx::PgPool;
use store_bus::{Bus, HandlerError};
use store_events::{BrandId, ConversationId, EventContext, TenantId};

use crate::{db::handoffs::Handoff, metrics::InboxMetrics};

/// What every use case of the sales assistant works with (the hand-offs' database, the bus, the metrics).
pub struct Handoffs {
    /// The database.
    pub pool: PgPool,
    /// The bus, to publish replies and hand-backs.
    pub bus: Bus,
    /// The inbox's metrics.
    pub metrics: InboxMetrics,
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
