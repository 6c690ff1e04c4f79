//! The seller's use cases, one file each, named for what they do; each
//! spans the consumer's event, the memory in `db`, the brain and the bus:
//!
//! - [`answer_shopper`]: a shopper's message in, the seller's reply (and
//!   any escalation or order) out;
//! - [`hand_back`]: a human hands the conversation back to the AI;
//! - [`summarize_history`]: after a turn, older messages are folded into
//!   the conversation's rolling summary.

pub mod answer_shopper;
pub mod hand_back;
pub mod summarize_history;

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use store_bus::{Bus, HandlerError};
use store_events::{BrandId, EventMeta, TenantId};

use crate::{
    brain::Brain, db::ConversationKey, domain::persona::Persona, llm::LlmClient,
    metrics::SellerMetrics, tools::OrdersApi,
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
    /// Model used for rolling summaries (none: extractive summaries).
    pub summarizer: Option<Arc<dyn LlmClient>>,
    /// Metrics.
    pub metrics: SellerMetrics,
    /// Catalog and order request timeout.
    pub tool_timeout: Duration,
    /// The order processor's HTTP API.
    pub orders_api: Option<OrdersApi>,
    /// Token budget of the verbatim history.
    pub history_budget: usize,
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

/// A database failure: the delivery is retried.
fn internal(error: impl std::error::Error + Send + Sync + 'static) -> HandlerError {
    HandlerError::retry(error)
}
