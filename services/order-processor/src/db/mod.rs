//! PostgreSQL access: the pool, migrations and one module per area. Every
//! query names the tenant it runs for.

pub mod orders;
pub mod outbox;
pub mod tenants;

use std::time::Duration;

use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use sqlx::{PgPool, postgres::PgPoolOptions};

/// Opens the pool.
pub async fn connect(url: &secrecy::SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url.expose_secret())
        .await
        .context("Failed to connect to PostgreSQL")
}

/// Applies the idempotency ledger's and the order processor's migrations; both
/// ignore the other's versions in the shared `_sqlx_migrations` table.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    store_idempotency::migrate(pool)
        .await
        .context("Failed to apply the idempotency ledger's migrations")?;
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_ignore_missing(true);
    migrator
        .run(pool)
        .await
        .context("Failed to apply the order processor's migrations")
}
