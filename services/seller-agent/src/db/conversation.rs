//! Conversations, their messages and turns.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use super::ConversationKey;
use crate::{
    domain::handoff::Answerer,
    llm::{Message, Role, ToolCall},
};

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// Who answers.
    pub handler: Answerer,
    /// Summary of the older messages.
    pub summary: Option<String>,
    /// The brain's state.
    pub brain_state: Value,
    /// True when it was created by this call.
    pub is_new: bool,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    /// Row id (increasing).
    pub id: i64,
    /// The message.
    pub message: Message,
}

/// A turn already recorded for a shopper message.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTurn {
    /// `ready` (not yet published) or `published`.
    pub status: String,
    /// Events to publish, as structured CloudEvents JSON.
    pub outbox: Value,
}

/// Creates the conversation if needed (or fills in the shopper and channel
/// of one a human claimed before its first message) and returns it.
///
/// One statement, where it was three (the write, the read back and whether
/// it has messages), each a checkout of its own: this runs for every
/// shopper message. The statement's own reads do not see its insert (one
/// snapshot), so the row comes from the insert's `returning` when it wrote
/// and from the table when it did not; a row another transaction inserted
/// while this one ran is read again after.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn ensure_conversation(
    conn: &mut PgConnection,
    key: &ConversationKey,
    customer_id: &str,
    channel: &str,
) -> Result<Conversation, sqlx::Error> {
    let row = sqlx::query!(
        r#"with written as (
               insert into conversation (tenant, brand, conversation_id, customer_id, channel)
               values ($1, $2, $3, $4, $5)
               on conflict (tenant, brand, conversation_id) do update
               set customer_id = excluded.customer_id, channel = excluded.channel, updated_at = now()
               where conversation.customer_id is null
               returning handler, summary, brain_state
           ), found as (
               select handler, summary, brain_state, true as written from written
               union all
               select handler, summary, brain_state, false from conversation
               where tenant = $1 and brand = $2 and conversation_id = $3
                 and not exists (select 1 from written)
           )
           select handler as "handler!", summary,
                  brain_state as "brain_state!", written as "written!",
                  exists (select 1 from conversation_message
                          where tenant = $1 and brand = $2 and conversation_id = $3)
                    as "has_messages!"
           from found"#,
        &key.tenant,
        &key.brand,
        &key.conversation,
        customer_id,
        channel,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        // Inserted by another transaction after this statement began.
        return load_conversation(conn, key)
            .await?
            .ok_or(sqlx::Error::RowNotFound);
    };
    Ok(Conversation {
        handler: Answerer::parse(row.handler.as_str()),
        summary: row.summary,
        brain_state: row.brain_state,
        is_new: row.written || !row.has_messages,
    })
}

/// The conversation, if it exists.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn load_conversation(
    executor: impl sqlx::PgExecutor<'_>,
    key: &ConversationKey,
) -> Result<Option<Conversation>, sqlx::Error> {
    let row = sqlx::query!(
        "select handler, summary, brain_state from conversation \
         where tenant = $1 and brand = $2 and conversation_id = $3",
        &key.tenant,
        &key.brand,
        &key.conversation,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|row| Conversation {
        handler: Answerer::parse(row.handler.as_str()),
        summary: row.summary,
        brain_state: row.brain_state,
        is_new: false,
    }))
}

/// The turn recorded for shopper message `event_id`, if any.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, event_id = event_id))]
pub async fn find_turn(
    executor: impl sqlx::PgExecutor<'_>,
    key: &ConversationKey,
    event_id: &str,
) -> Result<Option<StoredTurn>, sqlx::Error> {
    sqlx::query_as!(
        StoredTurn,
        "select status, outbox from turn where tenant = $1 and brand = $2 and event_id = $3",
        &key.tenant,
        &key.brand,
        event_id,
    )
    .fetch_optional(executor)
    .await
}

fn role_str(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    }
}

/// The messages not yet in the conversation's summary (all of them before
/// its first summary; none when there is no such conversation), oldest
/// first, as the model sees them: the history a turn gives the brain, and
/// what is read after every turn to see whether the summary is due. The
/// conversation's `summarized_until` is read in the same statement.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn load_unsummarized_history(
    pool: &PgPool,
    key: &ConversationKey,
) -> Result<Vec<StoredMessage>, sqlx::Error> {
    let rows = sqlx::query_as!(
        HistoryRow,
        "select m.id, m.role, m.content, m.tool_calls, m.tool_call_id, m.is_error \
         from conversation_message m \
         where m.tenant = $1 and m.brand = $2 and m.conversation_id = $3 \
           and m.id > coalesce((select c.summarized_until from conversation c \
                                where c.tenant = $1 and c.brand = $2 and c.conversation_id = $3), 0) \
         order by m.id",
        &key.tenant,
        &key.brand,
        &key.conversation,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(HistoryRow::into_stored).collect())
}

/// A `conversation_message` row as the history reads it.
pub(super) struct HistoryRow {
    pub(super) id: i64,
    pub(super) role: String,
    pub(super) content: String,
    pub(super) tool_calls: Option<Value>,
    pub(super) tool_call_id: Option<String>,
    pub(super) is_error: bool,
}

impl HistoryRow {
    pub(super) fn into_stored(self) -> StoredMessage {
        let role = match self.role.as_str() {
            "assistant" | "human" => Role::Assistant,
            "tool" => Role::Tool,
            _ => Role::User,
        };
        let tool_calls: Vec<ToolCall> = self
            .tool_calls
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        StoredMessage {
            id: self.id,
            message: Message {
                role,
                content: self.content,
                tool_calls,
                tool_call_id: self.tool_call_id,
                is_error: self.is_error,
            },
        }
    }
}

/// Every successful tool result of the conversation (for the honesty guard).
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn tool_results(pool: &PgPool, key: &ConversationKey) -> Result<Vec<Value>, sqlx::Error> {
    let contents = sqlx::query_scalar!(
        "select content from conversation_message \
         where tenant = $1 and brand = $2 and conversation_id = $3 and role = 'tool' and not is_error order by id",
        &key.tenant,
        &key.brand,
        &key.conversation,
    )
    .fetch_all(pool)
    .await?;
    Ok(contents
        .iter()
        .filter_map(|c| serde_json::from_str(c).ok())
        .collect())
}

/// Everything one answered message changes, written in one transaction.
pub struct TurnRecord<'a> {
    /// The shopper message's event id.
    pub event_id: &'a str,
    /// The shopper's text.
    pub user_text: &'a str,
    /// Seller messages, tool calls and results.
    pub transcript: &'a [Message],
    /// Events to publish.
    pub outbox: Value,
    /// New brain state, if it changed.
    pub brain_state: Option<&'a Value>,
    /// Who answers from now on.
    pub handler: Answerer,
    /// The shopper message arrived while a human had the conversation.
    pub for_human: bool,
}

/// Locks the conversation's row until the end of the caller's transaction
/// (`select ... for update`) and returns who answers it now, as last
/// committed: whoever else sets the handler waits for that transaction.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn lock_conversation(
    conn: &mut PgConnection,
    key: &ConversationKey,
) -> Result<Answerer, sqlx::Error> {
    let handler = sqlx::query_scalar!(
        "select handler from conversation \
         where tenant = $1 and brand = $2 and conversation_id = $3 for update",
        &key.tenant,
        &key.brand,
        &key.conversation,
    )
    .fetch_one(conn)
    .await?;
    Ok(Answerer::parse(&handler))
}

/// Records a turn in a transaction of its own. Returns false when the turn
/// was already recorded (a concurrent duplicate delivery won), in which case
/// nothing is written. The seller records its turns with [`write_turn`] in
/// the transaction that locked the conversation.
pub async fn save_turn(
    pool: &PgPool,
    key: &ConversationKey,
    record: TurnRecord<'_>,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !write_turn(&mut tx, key, record).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Records a turn in the caller's transaction. Returns false when the turn
/// was already recorded (a concurrent duplicate delivery won): nothing is
/// written then, and the caller rolls back.
///
/// Two statements: the turn with the conversation's new handler and brain
/// state (the update runs only when the turn's row is new), then the
/// messages.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, event_id = record.event_id))]
pub async fn write_turn(
    tx: &mut PgConnection,
    key: &ConversationKey,
    record: TurnRecord<'_>,
) -> Result<bool, sqlx::Error> {
    // A data-modifying `with` runs every part to completion whether or not
    // the outer select reads it.
    let recorded = sqlx::query_scalar!(
        r#"with new_turn as (
               insert into turn (tenant, brand, event_id, conversation_id, status, outbox)
               values ($1, $2, $3, $4, 'ready', $5) on conflict do nothing
               returning 1
           ), touched as (
               update conversation
               set handler = $6, brain_state = coalesce($7, brain_state), updated_at = now()
               where tenant = $1 and brand = $2 and conversation_id = $4
                 and exists (select 1 from new_turn)
           )
           select exists (select 1 from new_turn) as "recorded!""#,
        &key.tenant,
        &key.brand,
        record.event_id,
        &key.conversation,
        &record.outbox,
        record.handler.as_str(),
        record.brain_state,
    )
    .fetch_one(&mut *tx)
    .await?;
    if !recorded {
        return Ok(false);
    }
    let shopper = Message::user(record.user_text);
    let mut messages = vec![NewMessage {
        role: "user",
        message: &shopper,
        event_id: Some(record.event_id),
        for_human: record.for_human,
    }];
    messages.extend(record.transcript.iter().map(|message| NewMessage {
        role: role_str(message.role),
        message,
        event_id: None,
        for_human: false,
    }));
    insert_messages(tx, key, &messages).await?;
    Ok(true)
}

/// A message to store: its role, the message, the shopper event it came
/// in (shopper messages only) and whether it came while a human had the
/// conversation.
pub(super) struct NewMessage<'a> {
    pub(super) role: &'a str,
    pub(super) message: &'a Message,
    pub(super) event_id: Option<&'a str>,
    pub(super) for_human: bool,
}

/// Appends `messages` to `key`'s conversation in the caller's transaction,
/// in order (their ids increase in the order given), in one statement: a
/// turn stores the shopper's message and every message of its transcript
/// (a tool call, its result, the reply), which were one round trip each.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, messages = messages.len()))]
pub(super) async fn insert_messages(
    tx: &mut sqlx::PgConnection,
    key: &ConversationKey,
    messages: &[NewMessage<'_>],
) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let roles: Vec<&str> = messages.iter().map(|m| m.role).collect();
    let contents: Vec<&str> = messages
        .iter()
        .map(|m| m.message.content.as_str())
        .collect();
    let tool_calls: Vec<Option<Value>> = messages
        .iter()
        .map(|m| {
            (!m.message.tool_calls.is_empty())
                .then(|| serde_json::to_value(&m.message.tool_calls).unwrap_or(Value::Null))
        })
        .collect();
    let tool_call_ids: Vec<Option<&str>> = messages
        .iter()
        .map(|m| m.message.tool_call_id.as_deref())
        .collect();
    let errors: Vec<bool> = messages.iter().map(|m| m.message.is_error).collect();
    let event_ids: Vec<Option<&str>> = messages.iter().map(|m| m.event_id).collect();
    let for_human: Vec<bool> = messages.iter().map(|m| m.for_human).collect();
    sqlx::query!(
        "insert into conversation_message \
         (tenant, brand, conversation_id, role, content, tool_calls, tool_call_id, is_error, event_id, for_human) \
         select $1, $2, $3, m.role, m.content, m.tool_calls, m.tool_call_id, m.is_error, m.event_id, m.for_human \
         from unnest($4::text[], $5::text[], $6::jsonb[], $7::text[], $8::bool[], $9::text[], $10::bool[]) \
              with ordinality as m(role, content, tool_calls, tool_call_id, is_error, event_id, for_human, n) \
         order by m.n",
        &key.tenant,
        &key.brand,
        &key.conversation,
        &roles as &[&str],
        &contents as &[&str],
        &tool_calls as &[Option<Value>],
        &tool_call_ids as &[Option<&str>],
        &errors,
        &event_ids as &[Option<&str>],
        &for_human,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Marks a turn's outbox as published.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, event_id = event_id))]
pub async fn mark_published(
    pool: &PgPool,
    key: &ConversationKey,
    event_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update turn set status = 'published', updated_at = now() where tenant = $1 and brand = $2 and event_id = $3",
        &key.tenant,
        &key.brand,
        event_id,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Sets who answers the conversation, as the sales assistant decided at
/// `decided_at` (the hand-over event's time), in the caller's transaction;
/// creates the conversation if the seller has none yet (a human may take a
/// conversation over before the seller stored anything of it). Returns
/// false when a later decision was already applied: an older event arriving
/// after it changes nothing.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, handler = ?handler))]
pub async fn hand_over(
    tx: &mut PgConnection,
    key: &ConversationKey,
    handler: Answerer,
    decided_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let written = sqlx::query!(
        "insert into conversation (tenant, brand, conversation_id, handler, handler_set_at) \
         values ($1, $2, $3, $4, $5) \
         on conflict (tenant, brand, conversation_id) do update \
         set handler = excluded.handler, handler_set_at = excluded.handler_set_at, updated_at = now() \
         where conversation.handler_set_at is null or conversation.handler_set_at <= excluded.handler_set_at",
        &key.tenant,
        &key.brand,
        &key.conversation,
        handler.as_str(),
        decided_at,
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(written == 1)
}

/// The shopper and channel of the conversation, when the seller knows them
/// (not for a conversation a human claimed before its first message).
#[tracing::instrument(skip_all, fields(conversation = %key.conversation))]
pub async fn conversation_shopper(
    pool: &PgPool,
    key: &ConversationKey,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "select customer_id, channel from conversation \
         where tenant = $1 and brand = $2 and conversation_id = $3",
        &key.tenant,
        &key.brand,
        &key.conversation,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|row| row.customer_id.zip(row.channel)))
}

/// Stores a new summary covering messages up to `until_id`.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, until_id = until_id))]
pub async fn save_summary(
    pool: &PgPool,
    key: &ConversationKey,
    summary: &str,
    until_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update conversation set summary = $4, summarized_until = greatest(summarized_until, $5), updated_at = now() \
         where tenant = $1 and brand = $2 and conversation_id = $3",
        &key.tenant,
        &key.brand,
        &key.conversation,
        summary,
        until_id,
    )
    .execute(pool)
    .await?;
    Ok(())
}
