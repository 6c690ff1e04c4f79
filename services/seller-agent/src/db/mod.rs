//! The seller's memory in PostgreSQL: conversations, messages, turns (the
//! outbox of each answered message), customer profiles, message bursts
//! waiting to be answered and order requests the seller stopped waiting
//! for ([`order_wait`]).

mod burst;
mod conversation;
mod memory;
pub mod order_wait;
mod profile;
pub mod transcript;

pub use burst::*;
pub use conversation::*;
pub use memory::*;
pub use profile::*;

use sqlx::migrate::Migrator;
use store_service::migrations::Migrations;

/// The seller's own migrations.
pub fn migrator() -> Migrator {
    sqlx::migrate!("./migrations")
}

/// The idempotency ledger's and the seller's migrations: `seller-agent migrate`
/// applies them, start-up applies or only verifies them
/// (`DATABASE_MIGRATE`).
pub fn migrations() -> Migrations {
    Migrations::new("seller-agent", migrator())
}

/// Identifies a conversation within a brand of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationKey {
    /// Tenant.
    pub tenant: String,
    /// Brand.
    pub brand: String,
    /// Conversation id.
    pub conversation: String,
}
