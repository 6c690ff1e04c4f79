//! A conversation's whole memory, read for operators (`storectl
//! conversation show`): the conversation row of every brand that has one
//! under an id, with every message in order, nothing summarised away.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

/// One brand's conversation under an id, with all its messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    /// Tenant.
    pub tenant: String,
    /// Brand.
    pub brand: String,
    /// Conversation id.
    pub conversation_id: String,
    /// The shopper (empty while unknown: a human claimed the conversation
    /// before its first message reached the seller).
    pub customer_id: String,
    /// Channel (`whatsapp`, `telegram`, `webchat`; empty while unknown).
    pub channel: String,
    /// Who answers: `ai`, or `human` while the conversation is handed off.
    pub handler: String,
    /// Rolling summary of the messages up to `summarized_until`.
    pub summary: Option<String>,
    /// Id of the last summarised message (0: none).
    pub summarized_until: i64,
    /// The brain's own state.
    pub brain_state: Value,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Every message, oldest first.
    pub messages: Vec<TranscriptMessage>,
}

/// One stored message, as stored (the role is not folded for the model).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptMessage {
    /// Row id (increasing).
    pub id: i64,
    /// `user`, `assistant`, `tool` or `human`.
    pub role: String,
    /// Text, or a tool's result.
    pub content: String,
    /// Tool calls of an assistant message (`[{id, name, arguments}]`).
    pub tool_calls: Option<Value>,
    /// The call a tool result answers.
    pub tool_call_id: Option<String>,
    /// A failed tool call's result.
    pub is_error: bool,
    /// The chat event a shopper message came in.
    pub event_id: Option<String>,
    /// A shopper message that arrived while a human had the conversation.
    pub for_human: bool,
    /// Stored at.
    pub created_at: DateTime<Utc>,
}

/// Every conversation `conversation` of `tenant` (one per brand that has
/// it; only `brand`'s when given), with all its messages in order.
#[tracing::instrument(skip_all, fields(conversation = %conversation))]
pub async fn load_transcripts(
    pool: &PgPool,
    tenant: &str,
    brand: Option<&str>,
    conversation: &str,
) -> Result<Vec<Transcript>, sqlx::Error> {
    let rows = sqlx::query!(
        "select tenant, brand, conversation_id, \
         coalesce(customer_id, '') as \"customer_id!\", coalesce(channel, '') as \"channel!\", \
         handler, summary, \
         summarized_until, brain_state, created_at, updated_at from conversation \
         where tenant = $1 and conversation_id = $2 and ($3::text is null or brand = $3) \
         order by brand",
        tenant,
        conversation,
        brand,
    )
    .fetch_all(pool)
    .await?;
    let mut transcripts = Vec::with_capacity(rows.len());
    for row in rows {
        let messages = sqlx::query_as!(
            TranscriptMessage,
            "select id, role, content, tool_calls, tool_call_id, is_error, event_id, for_human, \
             created_at from conversation_message \
             where tenant = $1 and brand = $2 and conversation_id = $3 order by id",
            tenant,
            &row.brand,
            conversation,
        )
        .fetch_all(pool)
        .await?;
        transcripts.push(Transcript {
            tenant: row.tenant,
            brand: row.brand,
            conversation_id: row.conversation_id,
            customer_id: row.customer_id,
            channel: row.channel,
            handler: row.handler,
            summary: row.summary,
            summarized_until: row.summarized_until,
            brain_state: row.brain_state,
            created_at: row.created_at,
            updated_at: row.updated_at,
            messages,
        });
    }
    Ok(transcripts)
}
