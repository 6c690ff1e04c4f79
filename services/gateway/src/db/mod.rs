//! The gateway's tables in PostgreSQL: edge deduplication, the brand each
//! conversation picked, the channel messages already sent per reply (and
//! the replies settled as failed), and
//! the web chat's sessions and transcripts, whose appends the live listener
//! ([`live`]) hears from every replica.

pub mod batch;
pub mod brand_choice;
pub mod dedup;
pub mod live;
pub mod outbound;
pub mod rate_limits;
pub mod webchat;

use sqlx::migrate::Migrator;
use store_service::migrations::Migrations;

/// The gateway's own migrations.
pub fn migrator() -> Migrator {
    sqlx::migrate!("./migrations")
}

/// The idempotency ledger's and the gateway's migrations: `gateway migrate`
/// applies them, start-up applies or only verifies them
/// (`DATABASE_MIGRATE`).
pub fn migrations() -> Migrations {
    Migrations::new("gateway", migrator())
}
