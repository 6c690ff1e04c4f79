//! PostgreSQL access: the pool, migrations and one module per table. Every
//! query that a request makes names the tenant it runs for.

pub mod conversations;
pub mod handoffs;
pub mod messages;
pub mod orders;
pub mod presence;
pub mod reports;
pub mod shopper_orders;
pub mod transcript;

use secrecy::SecretString;
use sqlx::PgPool;

/// Opens the pool.
#[tracing::instrument(skip_all)]
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    store_service::db::connect(url, max_connections).await
}

/// The first migration created the `tenant` and `api_key` tables itself
/// until they moved to store-tenancy; databases that applied that text are
/// adopted.
const REWRITTEN_FIRST_MIGRATION: store_service::db::Rewritten = store_service::db::Rewritten {
    version: 20261123000200,
    old_sha384: "baedcbbbe817dd7e827e71373d0f16b92923d142d0227220122ffcd51e27a506f5bbd7dc76a3ec51036f5afd9ba1b48b",
};

/// Applies the idempotency ledger's and the sales assistant's migrations.
#[tracing::instrument(skip_all)]
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    store_service::db::migrate_with_tenants(
        pool,
        sqlx::migrate!("./migrations"),
        "sales assistant",
        &[REWRITTEN_FIRST_MIGRATION],
    )
    .await
}
