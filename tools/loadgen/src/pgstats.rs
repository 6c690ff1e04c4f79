//! Database work of the store, from `pg_stat_database`: commits and rows
//! written per service database (`<prefix>_gateway`, `_catalog`, …).
//! PostgreSQL publishes these counters with a delay of up to a second;
//! readings are taken after the store went quiet.

use std::collections::BTreeMap;

use anyhow::Context as _;
use sqlx::{Connection as _, PgConnection};

/// One database's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbCounters {
    /// Transactions committed.
    pub commits: i64,
    /// Rows inserted.
    pub inserted: i64,
    /// Rows updated.
    pub updated: i64,
    /// Rows deleted.
    pub deleted: i64,
}

impl DbCounters {
    /// `self - before`.
    pub fn since(&self, before: &Self) -> Self {
        Self {
            commits: self.commits - before.commits,
            inserted: self.inserted - before.inserted,
            updated: self.updated - before.updated,
            deleted: self.deleted - before.deleted,
        }
    }

    /// Rows written (inserted, updated or deleted).
    pub fn rows_written(&self) -> i64 {
        self.inserted + self.updated + self.deleted
    }
}

/// The counters of every database named `<prefix>_…`, by name.
pub async fn read(server_url: &str, prefix: &str) -> anyhow::Result<BTreeMap<String, DbCounters>> {
    let mut conn = PgConnection::connect(server_url)
        .await
        .context("PostgreSQL is not answering (for pg_stat_database)")?;
    let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "select datname::text, xact_commit, tup_inserted, tup_updated, tup_deleted \
         from pg_stat_database where datname like $1 order by datname",
    )
    .bind(format!("{prefix}\\_%"))
    .fetch_all(&mut conn)
    .await
    .context("Failed to read pg_stat_database")?;
    conn.close().await.ok();
    Ok(rows
        .into_iter()
        .map(|(name, commits, inserted, updated, deleted)| {
            (
                name,
                DbCounters {
                    commits,
                    inserted,
                    updated,
                    deleted,
                },
            )
        })
        .collect())
}
