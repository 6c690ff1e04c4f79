//! PostgreSQL access: the pool, migrations and one module per table. Every
//! query that a request makes names the tenant it runs for.

pub mod handoffs;
pub mod transcript;

use secrecy::SecretString;
use sqlx::PgPool;

/// Opens the pool.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    store_service::db::connect(url, max_connections).await
}

/// Applies the idempotency ledger's and the sales assistant's migrations.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    store_service::db::migrate(pool, sqlx::migrate!("./migrations"), "sales assistant").await
}
