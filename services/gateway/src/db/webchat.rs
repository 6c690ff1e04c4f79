//! Web chat sessions and their transcripts. Every append takes the
//! session's row lock (so `seq` grows by one without gaps or races between
//! a shopper's message and a reply) and sends a `NOTIFY` on
//! [`NOTIFY_CHANNEL`], delivered when the transaction commits, which wakes
//! the live streams of every gateway replica.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::webchat::{Author, Entry};

/// The PostgreSQL notification channel of new transcript entries; the
/// payload is `<session_id>:<seq>`.
pub const NOTIFY_CHANNEL: &str = "webchat_entry";

/// A session as stored.
#[derive(Debug, Clone)]
pub struct Session {
    /// Session id (UUIDv7).
    pub id: Uuid,
    /// Tenant id.
    pub tenant: String,
    /// Brand id.
    pub brand: String,
    /// The shopper's name, if given.
    pub display_name: Option<String>,
    /// SHA-256 of the token.
    pub token_sha256: Vec<u8>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was created or the shopper last posted a message.
    pub last_active_at: DateTime<Utc>,
}

/// A session to create.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Session id (UUIDv7).
    pub id: Uuid,
    /// Tenant id.
    pub tenant: &'a str,
    /// Brand id.
    pub brand: &'a str,
    /// The shopper's name.
    pub display_name: Option<&'a str>,
    /// SHA-256 of the token.
    pub token_sha256: &'a [u8],
}

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Author.
    pub from: Author,
    /// JSON array of response parts.
    pub parts: &'a Value,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// Shopper's entries: our id of the message.
    pub message_id: Option<Uuid>,
    /// Shopper's entries: the client's idempotency key.
    pub client_message_id: Option<&'a str>,
    /// Replies: the `store.chat.response` event id.
    pub source_event_id: Option<&'a str>,
    /// Replies: index of the part in that event.
    pub source_part: Option<i32>,
}

/// Creates a session.
#[tracing::instrument(skip_all, fields(session = %session.id, tenant = session.tenant, brand = session.brand))]
pub async fn create_session(pool: &PgPool, session: &NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into webchat_session (id, tenant, brand, display_name, token_sha256) \
         values ($1, $2, $3, $4, $5)",
        session.id,
        session.tenant,
        session.brand,
        session.display_name,
        session.token_sha256
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The session with this id, if any.
#[tracing::instrument(skip_all, fields(session = %id))]
pub async fn find_session(pool: &PgPool, id: Uuid) -> Result<Option<Session>, sqlx::Error> {
    sqlx::query_as!(
        Session,
        "select id, tenant, brand, display_name, token_sha256, created_at, last_active_at \
         from webchat_session where id = $1",
        id
    )
    .fetch_optional(pool)
    .await
}

/// The session with this id, locked for appending until the transaction
/// ends.
#[tracing::instrument(skip_all, fields(session = %id))]
pub async fn lock_session(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Session>, sqlx::Error> {
    sqlx::query_as!(
        Session,
        "select id, tenant, brand, display_name, token_sha256, created_at, last_active_at \
         from webchat_session where id = $1 for update",
        id
    )
    .fetch_optional(conn)
    .await
}

/// Records the shopper's activity on `session` now (it keeps the session
/// from expiring).
#[tracing::instrument(skip_all, fields(session = %id))]
pub async fn touch_session(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update webchat_session set last_active_at = now() where id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Sessions deleted by one statement of [`delete_expired_sessions`].
const SWEEP_BATCH: i64 = 1000;

/// Deletes the sessions idle for longer than `ttl`, with their transcripts;
/// returns how many.
#[tracing::instrument(skip_all, fields(ttl_secs = ttl.as_secs()))]
pub async fn delete_expired_sessions(pool: &PgPool, ttl: Duration) -> Result<u64, sqlx::Error> {
    let ttl_secs = ttl.as_secs_f64();
    let mut deleted = 0;
    loop {
        // In batches, so a large backlog does not hold one long transaction.
        let batch = sqlx::query!(
            "delete from webchat_session where id in (\
               select id from webchat_session \
               where last_active_at < now() - make_interval(secs => $1) \
               limit $2)",
            ttl_secs,
            SWEEP_BATCH
        )
        .execute(pool)
        .await?
        .rows_affected();
        deleted += batch;
        if batch < u64::try_from(SWEEP_BATCH).unwrap_or(u64::MAX) {
            return Ok(deleted);
        }
    }
}

/// `seq` and message id of the shopper's entry with this
/// `client_message_id`, if there is one.
#[tracing::instrument(skip_all, fields(session = %session))]
pub async fn find_client_message(
    conn: &mut PgConnection,
    session: Uuid,
    client_message_id: &str,
) -> Result<Option<(i64, Option<Uuid>)>, sqlx::Error> {
    let row = sqlx::query!(
        "select seq, message_id from webchat_entry \
         where session_id = $1 and client_message_id = $2",
        session,
        client_message_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.seq, r.message_id)))
}

/// Whether the reply event `event_id` is already in the transcript.
#[tracing::instrument(skip_all, fields(session = %session, event_id = event_id))]
pub async fn reply_recorded(
    conn: &mut PgConnection,
    session: Uuid,
    event_id: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from webchat_entry where session_id = $1 and source_event_id = $2) as "exists!""#,
        session,
        event_id
    )
    .fetch_one(conn)
    .await
}

/// Appends an entry to the transcript of `session` and notifies the live
/// streams (on commit); returns its `seq`. Takes the session's row lock.
///
/// One statement: the session's next `seq` (its row locked by the update),
/// the entry under it, and the notification (`<session>:<seq>`, as
/// `db::live` reads it); it was three round trips.
#[tracing::instrument(skip_all, fields(session = %session, from = entry.from.as_str()))]
pub async fn append(
    conn: &mut PgConnection,
    session: Uuid,
    entry: &NewEntry<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"with next as (
               update webchat_session set last_seq = last_seq + 1, updated_at = now()
                where id = $1 returning last_seq
           ), appended as (
               insert into webchat_entry (session_id, seq, sender, parts, sent_at, message_id,
                   client_message_id, source_event_id, source_part)
               select $1, last_seq, $2, $3, $4, $5, $6, $7, $8 from next
               returning seq
           )
           select a.seq as "seq!"
             from appended a,
                  lateral (select pg_notify($9, $1::text || ':' || a.seq)) as notified"#,
        session,
        entry.from.as_str(),
        entry.parts,
        entry.sent_at,
        entry.message_id,
        entry.client_message_id,
        entry.source_event_id,
        entry.source_part,
        NOTIFY_CHANNEL,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(sqlx::Error::RowNotFound)
}

/// The entries of `session` after `after`, in order, at most `limit`.
#[tracing::instrument(skip_all, fields(session = %session, after = after, limit = limit))]
pub async fn entries_after(
    pool: &PgPool,
    session: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query!(
        "select seq, sender, parts, sent_at from webchat_entry \
         where session_id = $1 and seq > $2 order by seq limit $3",
        session,
        after,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            // The table's check constraint admits only known names.
            Author::parse(&row.sender).map(|from| Entry {
                seq: row.seq,
                from,
                parts: row.parts,
                sent_at: row.sent_at,
            })
        })
        .collect())
}
