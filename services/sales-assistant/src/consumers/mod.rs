//! What the sales assistant consumes: escalations (open or update a
//! hand-off), shopper messages and human replies of conversations with an
//! open hand-off (appended to its transcript).
//!
//! Every handler is effectively once: it claims the event in the
//! idempotency ledger inside the transaction holding its writes, and the
//! runner acks only after that commit.

pub mod escalate;
pub mod human;
pub mod shopper;

use std::sync::Arc;

use sqlx::PgPool;
use store_bus::HandlerError;

use crate::metrics::InboxMetrics;

/// Queue of `store.sales.escalate` (also the handler's name in the ledger).
pub const ESCALATE_QUEUE: &str = "sales-assistant.escalate";
/// Queue of `store.chat.message.new`.
pub const SHOPPER_QUEUE: &str = "sales-assistant.shopper-messages";
/// Queue of `store.chat.response`.
pub const REPLY_QUEUE: &str = "sales-assistant.replies";

/// What every handler and request handler shares.
pub struct Inbox {
    /// The database.
    pub pool: PgPool,
    /// The inbox's metrics.
    pub metrics: InboxMetrics,
}

/// The shared state.
pub type Shared = Arc<Inbox>;

/// A database failure: transient, try again later.
fn retry(error: sqlx::Error) -> HandlerError {
    HandlerError::retry(error)
}
