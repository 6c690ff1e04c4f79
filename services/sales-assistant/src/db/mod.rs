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
    version: 20261123000200,
    old_sha384: "baedcbbbe817dd7e827e71373d0f16b92923d142d0227220122ffcd51e27a506f5bbd7dc76a3ec51036f5afd9ba1b48b",
};

/// The idempotency ledger's, the tenant tables' and the sales assistant's
/// migrations: `sales-assistant migrate` applies them, start-up applies or only
/// verifies them (`DATABASE_MIGRATE`).
pub fn migrations() -> Migrations {
    Migrations::new("sales-assistant", sqlx::migrate!("./migrations"))
        .with_tenants(&[REWRITTEN_FIRST_MIGRATION])
}
