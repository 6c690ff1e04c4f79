//! A conversation's whole transcript (`conversation_message`): every
//! message once (by the id of the event it came from), the replies'
//! parts as sent and what the channel did with them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::conversations::Claim;

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

/// A new message announced to the open pages: `pg_notify` on `channel`
/// with the payload of a `live::Change` of `kind` about `brand`'s
/// conversation, with the message's `seq`.
#[derive(Debug, Clone, Copy)]
pub struct Announce<'a> {
    /// The notification channel (`live::CHANNEL`).
    pub channel: &'a str,
    /// The conversation's brand.
    pub brand: &'a str,
    /// The change's kind (`message`, `reply`).
    pub kind: &'a str,
}

/// Appends `message` after the conversation's last (the conversation must
/// be locked in `conn`'s transaction, so `seq` is free), and with
/// `announce` tells the open pages in the same statement; its `seq`, or
/// `None` when its source was recorded before (then nothing is announced).
#[tracing::instrument(skip_all, fields(tenant = message.tenant, conversation = message.conversation))]
pub async fn append(
    conn: &mut PgConnection,
    message: &NewMessage<'_>,
    announce: Option<Announce<'_>>,
) -> sqlx::Result<Option<i32>> {
    let (agent_account, agent_name) = message.agent.unzip();
    // The payload's keys are `live::Change`'s.
    sqlx::query_scalar!(
        r#"with appended as (
               insert into conversation_message (tenant_id, conversation, seq, sender, text, parts, at,
                   agent_account, agent_name, source_id, delivery)
               select $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10
                 from conversation_message where tenant_id = $1 and conversation = $2
               on conflict (tenant_id, source_id) do nothing
               returning seq
           )
           select a.seq as "seq!"
             from appended a
                  left join lateral (
                      select pg_notify($11, json_build_object(
                          'tenant', $1::text, 'brand', $12::text, 'conversation', $2::text,
                          'kind', $13::text, 'seq', a.seq)::text)
                       where $11::text is not null
                  ) as announced on true"#,
        message.tenant,
        message.conversation,
        message.sender,
        message.text,
        message.parts,
        message.at,
        agent_account,
        agent_name,
        message.source_id,
        message.delivery,
        announce.map(|a| a.channel),
        announce.map(|a| a.brand),
        announce.map(|a| a.kind),
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
/// `response_id` (`sent` or `failed`, why), once per report and in one
/// statement: claims the report's `event_id` for `ledger` in the idempotency ledger (as
/// `store_idempotency::claim` does) when the reply is recorded here,
/// records the delivery only on a new claim, and announces it to the open
/// pages (`pg_notify` on `channel`, a `live::Change` of kind `delivery`).
/// `None` when the reply is not recorded here (nothing is claimed, so a
/// report that came first is applied when it comes again) or the report
/// was applied before.
#[tracing::instrument(skip_all, fields(tenant, response_id))]
pub async fn set_delivery(
    executor: impl sqlx::PgExecutor<'_>,
    claim: Claim<'_>,
    tenant: &str,
    response_id: &str,
    status: &str,
    reason: Option<&str>,
    channel: &str,
) -> sqlx::Result<Option<Delivered>> {
    // Each step reads the one before (`exists`), which runs them in order:
    // the reply found, the report claimed, the reply updated. The brand by
    // a subquery on the conversation's key, not a join: a join's plan
    // cached while the tables were small (a new database, not yet
    // analyzed) read every conversation of the tenant per report (about a
    // thousand pages each at a few hundred conversations, measured with
    // pg_stat_statements under loadgen).
    sqlx::query_as!(
        Delivered,
        r#"with reply as (
               select 1 from conversation_message where tenant_id = $1 and source_id = $2
           ), claimed as (
               insert into processed_event (consumer, event_id, event_type)
               select $5, $6, $7 where exists (select 1 from reply)
               on conflict (consumer, event_id) do nothing
               returning 1
           ), delivered as (
               update conversation_message m set delivery = $3, delivery_reason = $4, updated_at = now()
                where m.tenant_id = $1 and m.source_id = $2 and exists (select 1 from claimed)
               returning m.conversation, m.seq,
                         (select c.brand_id from conversation c
                           where c.tenant_id = m.tenant_id and c.conversation = m.conversation)
                           as brand
           )
           select d.conversation, d.brand as "brand!", d.seq
             from delivered d,
                  lateral (select pg_notify($8, json_build_object(
                      'tenant', $1::text, 'brand', d.brand, 'conversation', d.conversation,
                      'kind', 'delivery', 'seq', d.seq)::text)) as announced"#,
        tenant,
        response_id,
        status,
        reason,
        claim.ledger,
        claim.event_id,
        claim.event_type,
        channel,
    )
    .fetch_optional(executor)
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
