//! What a turn reads of its conversation before the brain answers, in one
//! statement: the history the brain gets, the tool results the honesty
//! guard checks figures against, and the latest exchange a human taking
//! over reads first.
//!
//! They were three statements, each a pool checkout of its own (a
//! statement and two pings: sqlx tests a connection before it hands it out
//! and again when it comes back); this runs for every shopper message the
//! brain answers. The three are overlapping slices of the same rows (the
//! conversation's messages, by its index), so one scan returns their union
//! with a flag for each slice.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use store_events::data::{Role as Who, TranscriptMessage};

use super::{ConversationKey, HistoryRow, StoredMessage};

/// A conversation's memory as a turn reads it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TurnMemory {
    /// The messages not yet in the summary, oldest first.
    pub history: Vec<StoredMessage>,
    /// Every successful tool result of the conversation, oldest first.
    pub facts: Vec<Value>,
    /// The last messages the shopper and the sellers exchanged (no tool
    /// traffic, nothing empty), oldest first.
    pub recent: Vec<TranscriptMessage>,
}

/// `key`'s memory, with at most `recent` messages of its latest exchange
/// (none when `recent` is 0); empty when there is no such conversation.
#[tracing::instrument(skip_all, fields(conversation = %key.conversation, recent = recent))]
pub async fn turn_memory(
    conn: &mut PgConnection,
    key: &ConversationKey,
    recent: i64,
) -> Result<TurnMemory, sqlx::Error> {
    // `cut`: the summary's end (0 before the first summary); `recent_from`:
    // the id of the `recent`-th latest exchanged message (0 when there are
    // fewer, null when none are wanted).
    let rows = sqlx::query!(
        r#"with bounds as (
               select coalesce((select summarized_until from conversation
                                where tenant = $1 and brand = $2 and conversation_id = $3), 0) as cut,
                      case when $4::bigint > 0 then
                          coalesce((select id from conversation_message
                                    where tenant = $1 and brand = $2 and conversation_id = $3
                                      and role in ('user', 'assistant', 'human') and content <> ''
                                    order by id desc offset $4::bigint - 1 limit 1), 0)
                      end as recent_from
           ), marked as (
               select m.id, m.role, m.content, m.tool_calls, m.tool_call_id, m.is_error,
                      m.created_at,
                      m.id > b.cut as in_history,
                      m.role = 'tool' and not m.is_error as fact,
                      coalesce(m.role in ('user', 'assistant', 'human') and m.content <> ''
                               and m.id >= b.recent_from, false) as recent
               from conversation_message m cross join bounds b
               where m.tenant = $1 and m.brand = $2 and m.conversation_id = $3
           )
           select id as "id!", role as "role!", content as "content!", tool_calls,
                  tool_call_id, is_error as "is_error!", created_at as "created_at!",
                  in_history as "in_history!", fact as "fact!", recent as "recent!"
           from marked
           where in_history or fact or recent
           order by id"#,
        &key.tenant,
        &key.brand,
        &key.conversation,
        recent,
    )
    .fetch_all(conn)
    .await?;
    let mut memory = TurnMemory::default();
    for row in rows {
        if row.fact
            && let Ok(fact) = serde_json::from_str(&row.content)
        {
            memory.facts.push(fact);
        }
        if row.recent {
            memory
                .recent
                .push(exchanged(&row.role, row.content.clone(), row.created_at));
        }
        if row.in_history {
            memory.history.push(
                HistoryRow {
                    id: row.id,
                    role: row.role,
                    content: row.content,
                    tool_calls: row.tool_calls,
                    tool_call_id: row.tool_call_id,
                    is_error: row.is_error,
                }
                .into_stored(),
            );
        }
    }
    Ok(memory)
}

/// A message of the exchange as a human seller reads it.
fn exchanged(role: &str, text: String, at: DateTime<Utc>) -> TranscriptMessage {
    TranscriptMessage {
        role: match role {
            "user" => Who::Customer,
            "human" => Who::Human,
            _ => Who::Ai,
        },
        text,
        at,
    }
}
