//! A service's database schema, brought up to date as a step of its own or
//! only checked at start.
//!
//! Every service with a database has a `migrate` command (`<binary>
//! migrate`, [`Migrations::command`]): it applies the idempotency ledger's
//! migrations, store-tenancy's tenant tables where the service has tenant
//! API keys, then the service's own, prints what it applied and exits. A
//! deployment runs it once per release (the Helm chart's pre-install and
//! pre-upgrade Job) instead of in every replica at start.
//!
//! At start ([`Migrations::at_start`]) `DATABASE_MIGRATE` decides:
//! `on-start` (the default: apply, as a single process or a local stack
//! wants) or `verify` (apply nothing; start only when every migration the
//! binary embeds is applied, successfully and with the same checksum, else
//! fail naming each missing, failed or modified one and the command to
//! run). Versions the database has that the binary does not know (a newer
//! release's, during a rollback) are accepted, as `migrate` accepts them
//! (every migrator here ignores missing versions: the ledger's, the tenant
//! tables' and the service's share one `_sqlx_migrations` table).

use anyhow::Context as _;
use sqlx::{PgPool, migrate::Migrator};

use crate::{
    config::{database_url_from_env, var},
    db::{self, Rewritten},
};

/// What start-up does with the schema (`DATABASE_MIGRATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtStart {
    /// Apply the migrations (`on-start`, the default).
    Migrate,
    /// Only check they are applied (`verify`).
    Verify,
}

impl AtStart {
    /// `DATABASE_MIGRATE`: `on-start` (default) or `verify`.
    pub fn from_env() -> anyhow::Result<Self> {
        match var("DATABASE_MIGRATE").as_deref() {
            None | Some("on-start") => Ok(Self::Migrate),
            Some("verify") => Ok(Self::Verify),
            Some(other) => anyhow::bail!(
                "DATABASE_MIGRATE is {other:?}: it must be on-start (apply the migrations at start) or verify (only check them; `migrate` applies them)"
            ),
        }
    }
}

/// One migration applied by [`Migrations::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Its version.
    pub version: i64,
    /// Its description (the file name's words).
    pub description: String,
}

/// The migrations of one service: the ledger's, the tenant tables' when it
/// has tenant API keys, then its own.
pub struct Migrations {
    service: String,
    own: Migrator,
    tenants: Option<Vec<Rewritten>>,
}

impl Migrations {
    /// The ledger's migrations and `own` (the service's `sqlx::migrate!()`);
    /// `service` names them in messages.
    pub fn new(service: impl Into<String>, own: Migrator) -> Self {
        Self {
            service: service.into(),
            own,
            tenants: None,
        }
    }

    /// Also store-tenancy's tenant tables, before the service's own, and the
    /// service's migrations that were `rewritten` after databases applied
    /// them (adopted where their old text was applied).
    pub fn with_tenants(mut self, rewritten: &[Rewritten]) -> Self {
        self.tenants = Some(rewritten.to_vec());
        self
    }

    /// Applies every migration not yet applied; returns those it applied.
    pub async fn apply(self, pool: &PgPool) -> anyhow::Result<Vec<Applied>> {
        let before = applied_versions(pool).await?;
        match self.tenants {
            Some(rewritten) => {
                db::migrate_with_tenants(pool, self.own, &self.service, &rewritten).await?;
            }
            None => db::migrate(pool, self.own, &self.service).await?,
        }
        let after: Vec<(i64, String)> =
            sqlx::query_as("select version, description from _sqlx_migrations order by version")
                .fetch_all(pool)
                .await
                .context("Failed to read the applied migrations")?;
        Ok(after
            .into_iter()
            .filter(|(version, _)| !before.contains(version))
            .map(|(version, description)| Applied {
                version,
                description,
            })
            .collect())
    }

    /// Fails unless every migration is applied, successfully and unchanged;
    /// the error names each one that is not and says to run `migrate`.
    pub async fn verify(&self, pool: &PgPool) -> anyhow::Result<()> {
        let applied: Vec<(i64, Vec<u8>, bool)> = if table_exists(pool).await? {
            sqlx::query_as("select version, checksum, success from _sqlx_migrations")
                .fetch_all(pool)
                .await
                .context("Failed to read the applied migrations")?
        } else {
            Vec::new()
        };
        let ledger = store_idempotency::migrator();
        let tenants = store_tenancy::migrator();
        let mut sets = vec![&ledger];
        if self.tenants.is_some() {
            sets.push(&tenants);
        }
        sets.push(&self.own);
        let wrong: Vec<String> = sets
            .into_iter()
            .flat_map(Migrator::iter)
            .filter(|m| !m.migration_type.is_down_migration())
            .filter_map(|m| {
                let found = applied.iter().find(|(version, ..)| *version == m.version);
                let problem = match found {
                    None => "missing",
                    Some((_, _, false)) => "failed",
                    Some((_, checksum, true)) if *checksum != *m.checksum => "modified",
                    Some(_) => return None,
                };
                Some(format!("{} {} ({problem})", m.version, m.description))
            })
            .collect();
        anyhow::ensure!(
            wrong.is_empty(),
            "the {} database is not at this release's schema: {}. Run this release's `migrate` command first (DATABASE_MIGRATE=verify applies nothing at start)",
            self.service,
            wrong.join(", ")
        );
        Ok(())
    }

    /// What start-up does: apply or verify, as `DATABASE_MIGRATE` says.
    pub async fn at_start(self, pool: &PgPool) -> anyhow::Result<()> {
        match AtStart::from_env()? {
            AtStart::Migrate => self.apply(pool).await.map(|_| ()),
            AtStart::Verify => self.verify(pool).await,
        }
    }

    /// The `migrate` command: connects to `DATABASE_URL` (or
    /// `DATABASE_URL_FILE`), applies the migrations and prints each one it
    /// applied, or that there was nothing to apply.
    pub async fn command(self) -> anyhow::Result<()> {
        let service = self.service.clone();
        let pool = db::connect(&database_url_from_env()?, 1).await?;
        let applied = self.apply(&pool).await;
        pool.close().await;
        let applied = applied?;
        if applied.is_empty() {
            println!("{service}: the database is up to date; nothing to apply");
        }
        for migration in applied {
            println!(
                "{service}: applied {} {}",
                migration.version, migration.description
            );
        }
        Ok(())
    }
}

async fn table_exists(pool: &PgPool) -> anyhow::Result<bool> {
    sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
        .fetch_one(pool)
        .await
        .context("Failed to look for the migrations table")
}

/// The versions applied so far (none when nothing was ever applied).
async fn applied_versions(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    if !table_exists(pool).await? {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("select version from _sqlx_migrations")
        .fetch_all(pool)
        .await
        .context("Failed to read the applied migrations")
}
