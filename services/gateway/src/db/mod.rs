//! The gateway's tables in PostgreSQL: edge deduplication, the brand each
//! conversation picked, the channel messages already sent per reply (and
//! the replies settled as failed), and
//! the web chat's sessions and transcripts, whose appends the live listener
//! ([`live`]) hears from every replica.

pub mod brand_choice;
pub mod dedup;
pub mod live;
pub mod outbound;
pub mod rate_limits;
pub mod webchat;

use sqlx::migrate::Migrator;

/// The gateway's migrations (`store_service::db::migrate` applies them
/// after the idempotency ledger's, each ignoring the other's versions).
pub fn migrator() -> Migrator {
    sqlx::migrate!("./migrations")
}
