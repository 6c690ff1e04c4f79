//! The gateway's tables in PostgreSQL: edge deduplication, the brand each
//! conversation picked, the channel messages already sent per reply, and
//! the web chat's sessions and transcripts.

pub mod brand_choice;
pub mod dedup;
pub mod outbound;
pub mod webchat;

use sqlx::{PgPool, migrate::Migrator};

/// The gateway's migrations. They run with `ignore_missing`, so the gateway
/// can share `_sqlx_migrations` with other migrators (the idempotency
/// ledger's, if it is ever added).
pub fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_ignore_missing(true);
    migrator
}

/// Applies the migrations.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    migrator().run(pool).await
}
