//! Channel messages already sent for a reply event, so a redelivered reply
//! resumes after the last message sent instead of repeating it.

use sqlx::PgPool;

/// How many channel messages of reply `event_id` were sent (they are sent
/// and recorded in order, so this is the next sequence number).
#[tracing::instrument(skip_all, fields(event_id = event_id))]
pub async fn sent_count(pool: &PgPool, event_id: &str) -> Result<i32, sqlx::Error> {
    let count = sqlx::query_scalar!(
        r#"select count(*) as "count!" from outbound_message where event_id = $1"#,
        event_id
    )
    .fetch_one(pool)
    .await?;
    Ok(i32::try_from(count).unwrap_or(i32::MAX))
}

/// Records that message `seq` of reply `event_id` was sent.
#[tracing::instrument(skip_all, fields(event_id = event_id, seq = seq))]
pub async fn record_sent(
    pool: &PgPool,
    event_id: &str,
    seq: i32,
    channel_message_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into outbound_message (event_id, seq, channel_message_id) values ($1, $2, $3) \
         on conflict do nothing",
        event_id,
        seq,
        channel_message_id
    )
    .execute(pool)
    .await?;
    Ok(())
}
