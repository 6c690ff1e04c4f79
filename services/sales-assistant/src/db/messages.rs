//! A conversation's whole transcript (`conversation_message`): every
//! message once (by the id of the event it came from), the replies'
//! parts as sent and what the channel did with them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A message to record.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Conversation (recorded before: [`super::conversations::record`]).
    pub conversation: &'a str,
    /// `shopper`, `ai`, `human` or `system`.
    pub sender: &'a str,
    /// The text shown.
    pub text: &'a str,
    /// A reply's `store.chat.response` parts, as sent.
    pub parts: Option<Value>,
    /// When it was said.
    pub at: DateTime<Utc>,
    /// The human seller who wrote it here.
    pub agent: Option<(Uuid, &'a str)>,
    /// The event it came from (or becomes).
    pub source_id: &'a str,
    /// `pending` for a reply until the channel tells.
    pub delivery: Option<&'a str>,
}

/// Appends `message` after the conversation's last (the conversation must
/// be locked in `conn`'s transaction, so `seq` is free); its `seq`, or
/// `None` when its source was recorded before.
#[tracing::instrument(skip_all, fields(tenant = message.tenant, conversation = message.conversation))]
pub async fn append(
    conn: &mut PgConnection,
    message: &NewMessage<'_>,
) -> sqlx::Result<Option<i32>> {
    let (agent_account, agent_name) = message.agent.unzip();
    sqlx::query_scalar!(
        r#"insert into conversation_message (tenant_id, conversation, seq, sender, text, parts, at,
               agent_account, agent_name, source_id, delivery)
           select $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10
             from conversation_message where tenant_id = $1 and conversation = $2
           on conflict (tenant_id, source_id) do nothing
           returning seq"#,
        message.tenant,
        message.conversation,
        message.sender,
        message.text,
        message.parts,
        message.at,
        agent_account,
        agent_name,
        message.source_id,
        message.delivery
    )
    .fetch_optional(conn)
    .await
}

/// Where a delivery report landed.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The conversation.
    pub conversation: String,
    /// Its brand.
    pub brand: String,
    /// The message's `seq`.
    pub seq: i32,
}

/// Records what the channel did with the reply recorded from event
/// `response_id` (`sent` or `failed`, why); `None` when no such reply of
/// `tenant` is recorded.
#[tracing::instrument(skip_all, fields(tenant, response_id))]
pub async fn set_delivery(
    conn: &mut PgConnection,
    tenant: &str,
    response_id: &str,
    status: &str,
    reason: Option<&str>,
) -> sqlx::Result<Option<Delivered>> {
    sqlx::query_as!(
        Delivered,
        // The brand by a subquery on the conversation's key, not a join: a
        // join's plan cached while the tables were small (a new database,
        // not yet analyzed) read every conversation of the tenant per
        // report (about a thousand pages each at a few hundred
        // conversations, measured with pg_stat_statements under loadgen).
        r#"update conversation_message m set delivery = $3, delivery_reason = $4, updated_at = now()
           where m.tenant_id = $1 and m.source_id = $2
           returning m.conversation,
                     (select c.brand_id from conversation c
                       where c.tenant_id = m.tenant_id and c.conversation = m.conversation)
                       as "brand!",
                     m.seq"#,
        tenant,
        response_id,
        status,
        reason
    )
    .fetch_optional(conn)
    .await
}

/// One message of a transcript as the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct TranscriptEntry {
    /// Order within the conversation, from 1.
    pub seq: i32,
    /// `shopper`, `ai`, `human` or `system`.
    pub sender: String,
    /// The text.
    pub text: String,
    /// A reply's parts as sent (product cards, buttons).
    pub parts: Option<Value>,
    /// When.
    pub at: DateTime<Utc>,
    /// The human seller who wrote it here.
    pub agent_name: Option<String>,
    /// `pending`, `sent` or `failed` for replies.
    pub delivery: Option<String>,
    /// Why it failed.
    pub delivery_reason: Option<String>,
}

/// `tenant`'s transcript of `conversation` after `after_seq` (0: from the
/// start), in order.
#[tracing::instrument(skip_all, fields(tenant, conversation, after_seq))]
pub async fn transcript(
    pool: &PgPool,
    tenant: &str,
    conversation: &str,
    after_seq: i32,
) -> sqlx::Result<Vec<TranscriptEntry>> {
    sqlx::query_as!(
        TranscriptEntry,
        "select seq, sender, text, parts, at, agent_name, delivery, delivery_reason
         from conversation_message
         where tenant_id = $1 and conversation = $2 and seq > $3
         order by seq",
        tenant,
        conversation,
        after_seq
    )
    .fetch_all(pool)
    .await
}

/// The last `count` messages of `tenant`'s `conversation`, oldest first
/// (for a draft).
#[tracing::instrument(skip_all, fields(tenant, conversation))]
pub async fn latest(
    pool: &PgPool,
    tenant: &str,
    conversation: &str,
    count: i64,
) -> sqlx::Result<Vec<TranscriptEntry>> {
    let mut rows = sqlx::query_as!(
        TranscriptEntry,
        "select seq, sender, text, parts, at, agent_name, delivery, delivery_reason
         from conversation_message
         where tenant_id = $1 and conversation = $2
         order by seq desc limit $3",
        tenant,
        conversation,
        count
    )
    .fetch_all(pool)
    .await?;
    rows.reverse();
    Ok(rows)
}
