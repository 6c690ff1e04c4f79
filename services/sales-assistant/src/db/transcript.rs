//! A hand-off's transcript: messages appended in order of recording
//! (`seq`), each at most once per source event. Appending requires the
//! hand-off to be locked by the caller's transaction, which keeps `seq`
//! gapless and in order.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::transcript::Author;

/// One transcript message as stored and shown.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Order of recording within the hand-off, from 1.
    pub seq: i32,
    /// `shopper`, `ai` or `human`.
    #[serde(rename = "from")]
    pub sender: String,
    /// The text.
    pub text: String,
    /// When it was said.
    pub at: DateTime<Utc>,
    /// The human seller, for replies sent through this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

/// A message to append.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Who said it.
    pub from: Author,
    /// What.
    pub text: &'a str,
    /// When.
    pub at: DateTime<Utc>,
    /// The human seller, if one wrote it here.
    pub agent: Option<&'a str>,
    /// The event or message it came from; `None` for an escalation's
    /// `last_messages`, which are told apart by their content.
    pub source_id: Option<&'a str>,
}

/// Appends `message` to the (locked) hand-off; `None` when its source was
/// already recorded (or, without a source, the same message is there).
#[tracing::instrument(skip_all, fields(handoff = %handoff))]
pub async fn append(
    conn: &mut PgConnection,
    handoff: Uuid,
    message: &NewMessage<'_>,
) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        "insert into handoff_message (handoff_id, seq, sender, text, at, agent, source_id) \
         select $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6 \
           from handoff_message where handoff_id = $1 \
         having $6::text is not null or not exists ( \
             select 1 from handoff_message \
             where handoff_id = $1 and sender = $2 and text = $3 and at = $4) \
         on conflict (handoff_id, source_id) where source_id is not null do nothing \
         returning seq, sender, text, at, agent",
        handoff,
        message.from.as_str(),
        message.text,
        message.at,
        message.agent,
        message.source_id
    )
    .fetch_optional(conn)
    .await
}

/// The transcript of a hand-off, in order of recording.
#[tracing::instrument(skip_all, fields(handoff = %handoff))]
pub async fn list(pool: &PgPool, handoff: Uuid) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        "select seq, sender, text, at, agent from handoff_message \
         where handoff_id = $1 order by seq",
        handoff
    )
    .fetch_all(pool)
    .await
}
