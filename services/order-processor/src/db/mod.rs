//! PostgreSQL access: the pool, migrations and one module per area. Every
//! query names the tenant it runs for.

pub mod orders;
pub mod outbox;
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
    version: 20261123000100,
    old_sha384: "babb01d5fd34acaf815c26b95eaacf2a4aa3ab33ea549223975fce4556a39308c51ac582d7fb80a891447249f2365f82",
};

/// The idempotency ledger's, the tenant tables' and the order processor's
/// migrations: `order-processor migrate` applies them, start-up applies or only
/// verifies them (`DATABASE_MIGRATE`).
pub fn migrations() -> Migrations {
    Migrations::new("order-processor", sqlx::migrate!("./migrations"))
        .with_tenants(&[REWRITTEN_FIRST_MIGRATION])
}
