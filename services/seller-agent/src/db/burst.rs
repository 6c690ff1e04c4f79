//! Message bursts in the seller's memory: shopper messages waiting to be
//! answered together (`burst_message`), the per-conversation lock a flush
//! holds while it answers them, and what the sweeper looks for. The flow
//! and its correctness argument are in [`crate::flows::answer_burst`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, pool::PoolConnection};

use super::{
    ConversationKey,
    conversation::{NewMessage, insert_messages},
};
use crate::llm::Message;

/// A shopper message waiting in its conversation's burst.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingMessage {
    /// The message's event id.
    pub event_id: String,
    /// The `store.chat.message.new`, as structured CloudEvents JSON.
    pub event: Value,
    /// A button or list tap.
    pub tap: bool,
    /// When it was stored (the database's clock).
    pub received_at: DateTime<Utc>,
}

/// Stores a shopper message in its conversation's burst, in a transaction
/// of its own. Returns false when it was stored before (a redelivery):
/// nothing is written then.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, event_id = event_id))]
pub async fn buffer_message(
    pool: &PgPool,
    key: &ConversationKey,
    event_id: &str,
    event: &Value,
    tap: bool,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        "insert into burst_message (tenant, brand, event_id, conversation_id, event, tap) \
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
        &key.tenant,
        &key.brand,
        event_id,
        &key.conversation,
        event,
        tap,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// The key of a conversation's burst lock: a 64-bit hash of the
/// conversation's key. Two conversations sharing a hash only wait for each
/// other's flushes, which is slower, never wrong.
fn lock_key(key: &ConversationKey) -> String {
    format!(
        "seller-burst\u{1f}{}\u{1f}{}\u{1f}{}",
        key.tenant, key.brand, key.conversation
    )
}

/// A conversation's burst lock, held on a connection of its own (a
/// PostgreSQL session advisory lock) until [`BurstLock::release`]; while one
/// replica holds it no other flushes the conversation. A crash ends the
/// session and with it the lock; a lock dropped without release (an error,
/// a cancelled future) closes its connection instead of returning it to
/// the pool, for the same effect.
pub struct BurstLock {
    conn: Option<PoolConnection<Postgres>>,
    key: String,
}

impl BurstLock {
    /// Takes `key`'s burst lock when no one holds it; `None` when someone
    /// does.
    #[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
    pub async fn try_acquire(
        pool: &PgPool,
        key: &ConversationKey,
    ) -> Result<Option<Self>, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let key = lock_key(key);
        let locked = sqlx::query_scalar!(
            r#"select pg_try_advisory_lock(hashtextextended($1, 0)) as "locked!""#,
            &key,
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(locked.then(|| Self {
            conn: Some(conn),
            key,
        }))
    }

    /// The connection holding the lock: the flush writes its turn on it.
    pub fn connection(&mut self) -> &mut PgConnection {
        self.conn
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("the connection is only taken on release"))
    }

    /// Releases the lock and returns the connection to the pool.
    pub async fn release(mut self) -> Result<(), sqlx::Error> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        let released = sqlx::query_scalar!(
            r#"select pg_advisory_unlock(hashtextextended($1, 0)) as "released!""#,
            &self.key,
        )
        .fetch_one(&mut *conn)
        .await;
        match released {
            Ok(true) => Ok(()),
            // Not released (or unknown): the session must not go back to
            // the pool holding it.
            Ok(false) => {
                drop(conn.detach());
                Ok(())
            }
            Err(error) => {
                drop(conn.detach());
                Err(error)
            }
        }
    }
}

impl Drop for BurstLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Closing the session releases the lock.
            drop(conn.detach());
        }
    }
}

/// The conversation's waiting messages, in arrival order, and the
/// database's clock now (what their age is measured against).
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn waiting_messages(
    conn: &mut PgConnection,
    key: &ConversationKey,
) -> Result<(Vec<WaitingMessage>, DateTime<Utc>), sqlx::Error> {
    let now = sqlx::query_scalar!(r#"select clock_timestamp() as "now!""#)
        .fetch_one(&mut *conn)
        .await?;
    let waiting = sqlx::query_as!(
        WaitingMessage,
        "select event_id, event, tap, created_at as received_at from burst_message \
         where tenant = $1 and brand = $2 and conversation_id = $3 and answered_by is null \
         order by seq",
        &key.tenant,
        &key.brand,
        &key.conversation,
    )
    .fetch_all(conn)
    .await?;
    Ok((waiting, now))
}

/// Stores the shopper messages of a burst that come before its last one
/// (which [`super::write_turn`] stores), in order, in the caller's
/// transaction.
pub async fn write_earlier_messages(
    tx: &mut PgConnection,
    key: &ConversationKey,
    messages: &[(&str, &str)],
    for_human: bool,
) -> Result<(), sqlx::Error> {
    let said: Vec<Message> = messages
        .iter()
        .map(|(_, text)| Message::user(*text))
        .collect();
    let rows: Vec<NewMessage<'_>> = messages
        .iter()
        .zip(&said)
        .map(|((event_id, _), message)| NewMessage {
            role: "user",
            message,
            event_id: Some(event_id),
            for_human,
        })
        .collect();
    insert_messages(tx, key, &rows).await
}

/// Marks the burst messages `event_ids` answered by the turn of `turn`, in
/// the caller's transaction. Returns how many were still waiting.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, turn = turn))]
pub async fn mark_answered(
    tx: &mut PgConnection,
    key: &ConversationKey,
    event_ids: &[String],
    turn: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "update burst_message set answered_by = $4, updated_at = now() \
         where tenant = $1 and brand = $2 and event_id = any($3) and answered_by is null",
        &key.tenant,
        &key.brand,
        event_ids,
        turn,
    )
    .execute(tx)
    .await?
    .rows_affected())
}

/// A burst turn of the conversation written but not yet published (its
/// flush stopped between the commit and the publish), if any: its event id
/// and outbox.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn unpublished_burst_turns(
    conn: &mut PgConnection,
    key: &ConversationKey,
) -> Result<Vec<(String, Value)>, sqlx::Error> {
    let rows = sqlx::query!(
        "select t.event_id, t.outbox from turn t \
         where t.tenant = $1 and t.brand = $2 and t.conversation_id = $3 and t.status = 'ready' \
           and exists (select 1 from burst_message b where b.tenant = t.tenant and b.brand = t.brand \
                       and b.event_id = t.event_id and b.answered_by = t.event_id) \
         order by t.created_at",
        &key.tenant,
        &key.brand,
        &key.conversation,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.event_id, r.outbox)).collect())
}

/// Conversations of the brand a flush is due for: a waiting tap, waiting
/// messages the newest of which is older than `window_secs`, or a burst
/// turn left unpublished. At most `limit`.
#[tracing::instrument(skip_all)]
pub async fn due_conversations(
    pool: &PgPool,
    tenant: &str,
    brand: &str,
    window_secs: f64,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"(select conversation_id as "conversation_id!" from burst_message
            where tenant = $1 and brand = $2 and answered_by is null
            group by conversation_id
            having bool_or(tap) or max(created_at) <= clock_timestamp() - make_interval(secs => $3))
           union
           (select t.conversation_id from turn t
            where t.tenant = $1 and t.brand = $2 and t.status = 'ready'
              and exists (select 1 from burst_message b where b.tenant = t.tenant and b.brand = t.brand
                          and b.event_id = t.event_id and b.answered_by = t.event_id))
           limit $4"#,
        tenant,
        brand,
        window_secs,
        limit,
    )
    .fetch_all(pool)
    .await
}
