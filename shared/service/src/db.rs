//! PostgreSQL for a service: the pool, its migrations (the idempotency
//! ledger's, store-tenancy's `tenant` and `api_key` tables for services with
//! tenant API keys, then the service's own, from the migrator the service
//! passes in) and the `/readyz` check.

use std::time::Duration;

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::{Connection as _, PgPool, migrate::Migrator, postgres::PgPoolOptions};
use store_telemetry::health::{ReadinessCheck, check_fn};

/// How long a query waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A pooled connection idle at least this long is pinged before it is
/// handed out; one used more recently is handed out as it is.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Opens the pool.
///
/// sqlx pings a connection (one round trip) every time it is taken from
/// the pool, and again every time it goes back. Under load that doubled the
/// round trips of a short statement for nothing: a connection back in the
/// pool a few milliseconds ago has just answered its return ping. So only a
/// connection idle for [`PING_WHEN_IDLE_FOR`] or longer is pinged on the
/// way out; one that fails its ping is dropped and the next one is tried,
/// as sqlx does. What that gives up: a connection the database dropped
/// within a second of its last use (a restart under load) fails its next
/// statement instead of being replaced unseen, so that one statement's
/// caller retries (a consumer's retry, an HTTP 503); the connections in
/// use when it went fail either way, and fail their return ping after.
/// The fault suite's `postgres-restart` row loses and doubles nothing.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_WHEN_IDLE_FOR {
                    return Ok(true);
                }
                match conn.ping().await {
                    Ok(()) => Ok(true),
                    Err(error) => {
                        tracing::info!(%error, "a pooled connection failed its ping; dropped");
                        Ok(false)
                    }
                }
            })
        })
        .connect(url.expose_secret())
        .await
        .context("Failed to connect to PostgreSQL")
}

/// Opens a small pool whose connections are handed out without the ping
/// sqlx sends first by default (one round trip more on every acquire), and
/// kept open once made (sqlx closes idle ones after ten minutes): for a statement
/// whose delay itself is a risk, like the record that a channel message was
/// sent (the longer it takes, the likelier a crash sends the message
/// twice). A connection the database dropped (a restart) then fails its
/// first statement instead of being replaced unseen, so callers retry.
pub async fn connect_unpinged(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
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

/// A service migration whose file was rewritten after databases had applied
/// it (the tenant tables moved out of three services' first migrations into
/// store-tenancy's): the SHA-384 of its old text, hex. A database that
/// applied exactly that old text is adopted: its recorded checksum becomes
/// the new file's, instead of sqlx refusing it as modified. Any other
/// difference is still refused.
#[derive(Debug, Clone, Copy)]
pub struct Rewritten {
    /// The migration's version.
    pub version: i64,
    /// SHA-384 of the text databases applied, in hex.
    pub old_sha384: &'static str,
}

/// [`migrate`] for a service with tenant API keys: the ledger, then
/// store-tenancy's `tenant` and `api_key` tables, then `migrator` (after
/// adopting its `rewritten` migrations in databases that applied their old
/// text).
pub async fn migrate_with_tenants(
    pool: &PgPool,
    migrator: Migrator,
    service: &str,
    rewritten: &[Rewritten],
) -> anyhow::Result<()> {
    store_idempotency::migrate(pool)
        .await
        .context("Failed to apply the idempotency ledger's migrations")?;
    store_tenancy::migrate(pool)
        .await
        .context("Failed to apply the tenant tables' migration")?;
    adopt_rewritten(pool, &migrator, rewritten).await?;
    migrate(pool, migrator, service).await
}

/// Records the new checksum of each rewritten migration where the database
/// applied its old text.
async fn adopt_rewritten(
    pool: &PgPool,
    migrator: &Migrator,
    rewritten: &[Rewritten],
) -> anyhow::Result<()> {
    for rewrite in rewritten {
        let Some(migration) = migrator.iter().find(|m| m.version == rewrite.version) else {
            anyhow::bail!("no migration {} to adopt", rewrite.version);
        };
        let old = hex::decode(rewrite.old_sha384)
            .with_context(|| format!("the old checksum of {} is not hex", rewrite.version))?;
        // Runtime-checked: `_sqlx_migrations` is sqlx's own table, in no
        // migration that query data could be prepared against.
        let adopted = sqlx::query(
            "update _sqlx_migrations set checksum = $1 where version = $2 and checksum = $3",
        )
        .bind(migration.checksum.as_ref())
        .bind(rewrite.version)
        .bind(old)
        .execute(pool)
        .await
        .with_context(|| {
            format!(
                "Failed to adopt the rewritten migration {}",
                rewrite.version
            )
        })?;
        if adopted.rows_affected() > 0 {
            tracing::info!(version = rewrite.version, "adopted a rewritten migration");
        }
    }
    Ok(())
}

/// The `/readyz` check named `postgres`: ready when a trivial query runs.
pub fn readiness_check(pool: PgPool) -> impl ReadinessCheck {
    check_fn("postgres", move || {
        let pool = pool.clone();
        async move {
            // A probe of the connection, in every service's database.
            sqlx::query("select 1")
                .execute(&pool)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    })
}
