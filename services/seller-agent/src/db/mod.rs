//! The seller's memory in PostgreSQL: conversations, messages, turns (the
//! outbox of each answered message) and customer profiles.

mod conversation;
mod profile;
pub mod transcript;

pub use conversation::*;
pub use profile::*;

use sqlx::{PgPool, migrate::Migrator};

/// The seller's migrations (run with `ignore_missing`, so they can share a
/// database with other services' migrators).
pub fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_ignore_missing(true);
    migrator
}

/// Applies the migrations.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    migrator().run(pool).await
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
