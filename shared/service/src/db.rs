//! PostgreSQL for a service: the pool, its migrations (the idempotency
//! ledger's, then the service's own, from the migrator the service passes
//! in) and the `/readyz` check.

use std::time::Duration;

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::{PgPool, migrate::Migrator, postgres::PgPoolOptions};
use store_telemetry::health::{ReadinessCheck, check_fn};

/// How long a query waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the pool.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url.expose_secret())
        .await
        .context("Failed to connect to PostgreSQL")
}

/// Applies the idempotency ledger's migrations, then `migrator` (the
/// service's `sqlx::migrate!()`); `service` names it in the error. Both
/// ignore the other's versions in the shared `_sqlx_migrations` table.
pub async fn migrate(pool: &PgPool, mut migrator: Migrator, service: &str) -> anyhow::Result<()> {
    store_idempotency::migrate(pool)
        .await
        .context("Failed to apply the idempotency ledger's migrations")?;
    migrator.set_ignore_missing(true);
    migrator
        .run(pool)
        .await
        .with_context(|| format!("Failed to apply the {service}'s migrations"))
}

/// The `/readyz` check named `postgres`: ready when a trivial query runs.
pub fn readiness_check(pool: PgPool) -> impl ReadinessCheck {
    check_fn("postgres", move || {
        let pool = pool.clone();
        async move {
            sqlx::query("select 1")
                .execute(&pool)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    })
}
