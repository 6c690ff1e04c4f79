//! PostgreSQL access: the pool, migrations and one module per area. Every
//! query names the tenant it runs for.

pub mod inventory;
pub mod pictures;
pub mod products;
pub mod search;
pub mod tenants;

use secrecy::SecretString;
use sqlx::PgPool;
use store_service::migrations::Migrations;

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

/// The idempotency ledger's, the tenant tables' and the catalog's
/// migrations: `catalog migrate` applies them, start-up applies or only
/// verifies them (`DATABASE_MIGRATE`).
pub fn migrations() -> Migrations {
    Migrations::new("catalog", sqlx::migrate!("./migrations"))
        .with_tenants(&[REWRITTEN_FIRST_MIGRATION])
}

/// Applies every migration not yet applied (`catalog seed`, the tests).
#[tracing::instrument(skip_all)]
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    migrations().apply(pool).await.map(|_| ())
}
