//! The seller's use cases, one file each, named for what they do; each
//! spans the consumer's event, the memory in `db`, the brain and the bus:
//!
//! - [`answer_shopper`]: a shopper's message in, the seller's reply (and
//!   any escalation or order) out; never a reply while a human owns the
//!   conversation;
//! - [`answer_burst`]: with a burst window, a shopper's quick messages
//!   gathered and answered once, as one turn;
//! - [`shopper_input`]: what the message says, as text for the brain (a
//!   caption, a transcribed voice note) or a fixed reply (a picture, a
//!   sticker, a location…);
//! - [`yield_to_human`]: a human seller claims the conversation
//!   (`store.sales.claimed`), and the AI falls silent in it;
//! - [`resume_after_deferral`]: no human can answer now
//!   (`store.sales.deferred`), so the AI answers again meanwhile;
//! - [`hand_back`]: a human hands the conversation back to the AI
//!   (`store.sales.resolved`);
//! - [`draft_reply`]: a suggested reply for the human working the
//!   conversation (`store.sales.draft`), recorded and sent nowhere;
//! - [`summarize_history`]: after a turn, older messages are folded into
//!   the conversation's rolling summary;
//! - [`tell_late_order`]: an order the order processor confirmed after the
//!   turn stopped waiting (`store.order.created`/`rejected`), told once.

pub mod answer_burst;
pub mod answer_shopper;
pub mod draft_reply;
pub mod hand_back;
pub mod resume_after_deferral;
pub mod shopper_input;
pub mod summarize_history;
pub mod tell_late_order;
pub mod yield_to_human;

use std::{sync::Arc, time::Duration};

use cloudevents::{AttributesReader, Event};
use sqlx::PgPool;
use store_bus::{Bus, HandlerError};
use store_events::{BrandId, EventMeta, TenantId};

use crate::{
    brain::Brain,
    config::SERVICE,
    db::{self, ConversationKey},
    domain::{handoff::Answerer, persona::Persona},
    llm::LlmClient,
    metrics::SellerMetrics,
    tools::OrdersApi,
    transcription::Transcriber,
};

/// The seller of one brand, with everything its flows need.
pub struct Seller {
    /// Tenant served.
    pub tenant: TenantId,
    /// Brand served.
    pub brand: BrandId,
    /// Memory.
    pub pool: PgPool,
    /// The bus.
    pub bus: Bus,
    /// The brand's seller.
    pub persona: Persona,
    /// What decides the replies.
    pub brain: Arc<dyn Brain>,
    /// The brand's model, when one is configured: rolling summaries and
    /// drafts for human sellers (none: extractive summaries, drafts by the
    /// offline brain).
    pub model: Option<Arc<dyn LlmClient>>,
    /// Metrics.
    pub metrics: SellerMetrics,
    /// Catalog and order request timeout.
    pub tool_timeout: Duration,
    /// The order processor's HTTP API.
    pub orders_api: Option<OrdersApi>,
    /// Token budget of the verbatim history.
    pub history_budget: usize,
    /// How long a conversation waits for more messages before answering
    /// them as one turn (zero: each message at once, [`Seller::answer_shopper`]).
    pub burst_window: Duration,
    /// Voice notes to text, when configured (else the shopper is asked to
    /// type).
    pub transcriber: Option<Transcriber>,
}

impl Seller {
    /// The memory's key of `conversation` with this seller.
    fn key(&self, conversation: &str) -> ConversationKey {
        ConversationKey {
            tenant: self.tenant.to_string(),
            brand: self.brand.to_string(),
            conversation: conversation.to_owned(),
        }
    }

    /// Refuses an event of another tenant or brand: the binding routes only
    /// this brand here, so anything else is misrouted and must never be
    /// answered as ours.
    fn check_scope(&self, meta: &EventMeta) -> Result<(), HandlerError> {
        if meta.tenant != self.tenant || meta.brand.as_ref() != Some(&self.brand) {
            return Err(HandlerError::reject(format!(
                "event for {}/{:?} reached the seller of {}/{}",
                meta.tenant, meta.brand, self.tenant, self.brand
            )));
        }
        Ok(())
    }
}

/// What became of a hand-over event from the sales assistant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// The conversation's handler is the one the event says.
    Applied,
    /// A later hand-over was already applied; this older one changed nothing.
    Stale,
    /// This event was applied before (a redelivery): nothing done.
    Duplicate,
}

impl Seller {
    /// Sets who answers the conversation of the hand-over `event` (of this
    /// seller's tenant and brand) to `to`, once per event: the idempotency
    /// ledger's claim and the handler's write commit together, and the
    /// delivery is acked after the commit. Returns the conversation and
    /// what became of the event.
    async fn hand_over(
        &self,
        event: &Event,
        to: Answerer,
    ) -> Result<(String, HandOver), HandlerError> {
        let meta = EventMeta::from_event(event)?;
        self.check_scope(&meta)?;
        let conversation = meta.conversation.ok_or_else(|| {
            HandlerError::reject(format!("{} without a conversation", event.ty()))
        })?;
        let conversation = conversation.to_string();
        // The sales assistant's clock orders its decisions; an event without
        // a time (never sent by it) counts as decided now.
        let decided_at = event.time().copied().unwrap_or_else(chrono::Utc::now);
        let mut tx = self.pool.begin().await.map_err(internal)?;
        let ledger = format!("{SERVICE}-{}-{}", self.tenant, self.brand);
        if store_idempotency::claim(&mut tx, &ledger, event.id(), event.ty())
            .await
            .map_err(internal)?
            .is_duplicate()
        {
            return Ok((conversation, HandOver::Duplicate));
        }
        let applied = db::hand_over(&mut tx, &self.key(&conversation), to, decided_at)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        let outcome = if applied {
            HandOver::Applied
        } else {
            HandOver::Stale
        };
        Ok((conversation, outcome))
    }
}

/// A database failure: the delivery is retried.
fn internal(error: impl std::error::Error + Send + Sync + 'static) -> HandlerError {
    HandlerError::retry(error)
}
