//! PostgreSQL access: the pool, migrations and one module per area. Every
//! query names the tenant it runs for.

pub mod orders;
pub mod outbox;
pub mod tenants;

use secrecy::SecretString;
use sqlx::PgPool;

/// Opens the pool.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    store_service::db::connect(url, max_connections).await
}

/// Applies the idempotency ledger's and the order processor's migrations; both
/// ignore the other's versions in the shared `_sqlx_migrations` table.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    store_service::db::migrate(pool, sqlx::migrate!("./migrations"), "order processor").await
}
