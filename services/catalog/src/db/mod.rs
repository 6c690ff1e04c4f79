//! PostgreSQL access: the pool, migrations and one module per area. Every
//! query names the tenant it runs for.

pub mod inventory;
pub mod pictures;
pub mod products;
pub mod search;
pub mod tenants;

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
    version: 20261123000000,
    old_sha384: "fa6d5ba67d4dfc0393a1080ad53609429aab40099b2af1659504b633a152979e7931bd8f29df7d03a0f21b460fc344cb",
};

/// Applies the idempotency ledger's and the catalog's migrations; both
/// ignore the other's versions in the shared `_sqlx_migrations` table.
#[tracing::instrument(skip_all)]
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    store_service::db::migrate_with_tenants(
        pool,
        sqlx::migrate!("./migrations"),
        "catalog",
        &[REWRITTEN_FIRST_MIGRATION],
    )
    .await
}
