//! The sessions of the inbox's pages in PostgreSQL (`inbox_session`), as a
//! `tower-sessions` store: each record as JSON, its expiry, and the
//! account it belongs to (so presence and ending a disabled account's
//! sessions are one query).
//!
//! Written here rather than taken from `tower-sessions-sqlx-store`: that
//! crate turns on sqlx's `time` feature, and with it every checked query
//! of the workspace decodes `timestamptz` as `time` types instead of
//! chrono's. Saving an existing session only updates it: a request that
//! finishes after a sign-out (or after its account was disabled) cannot
//! bring the deleted session back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store::{self, Error},
};
use uuid::Uuid;

/// The session key holding the signed-in account's id.
pub const ACCOUNT_KEY: &str = "account_id";

/// `inbox_session` as a session store.
#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: PgPool,
}

impl PgSessionStore {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn backend(error: sqlx::Error) -> Error {
    Error::Backend(error.to_string())
}

fn expiry(record: &Record) -> session_store::Result<DateTime<Utc>> {
    let nanos = record.expiry_date.unix_timestamp_nanos();
    let nanos = i64::try_from(nanos).map_err(|e| Error::Encode(e.to_string()))?;
    Ok(DateTime::from_timestamp_nanos(nanos))
}

fn account(record: &Record) -> Option<Uuid> {
    record
        .data
        .get(ACCOUNT_KEY)
        .and_then(|value| serde_json::from_value(value.clone()).ok())
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh random 128-bit id colliding is next to impossible; if it
        // does, draw again rather than take over another session.
        loop {
            let inserted = sqlx::query!(
                "insert into inbox_session (id, data, expires_at, account_id)
                 values ($1, $2, $3, $4) on conflict (id) do nothing",
                record.id.to_string(),
                encode(record)?,
                expiry(record)?,
                account(record),
            )
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sqlx::query!(
            "update inbox_session set data = $2, expires_at = $3, account_id = $4 where id = $1",
            record.id.to_string(),
            encode(record)?,
            expiry(record)?,
            account(record),
        )
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let data = sqlx::query_scalar!(
            "select data from inbox_session where id = $1 and expires_at > now()",
            id.to_string()
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        data.map(|data| serde_json::from_slice(&data).map_err(|e| Error::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query!("delete from inbox_session where id = $1", id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for PgSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query!("delete from inbox_session where expires_at <= now()")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
