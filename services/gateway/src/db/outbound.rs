//! Channel messages already sent for a reply event, so a redelivered reply
//! resumes after the last message sent instead of repeating it, and the
//! replies settled as failed (`reply_failure`), so a redelivered one reports
//! the same failure.

use std::time::Duration;

use sqlx::PgPool;

use crate::domain::{delivery::Failure, send_reference::Taken};

/// What earlier deliveries of a reply sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// How many channel messages were sent (they are sent and recorded in
    /// order, so this is the next sequence number).
    pub sent: usize,
    /// The channel's id of the last one, when it gave one.
    pub last_channel_message_id: Option<String>,
}

/// What earlier deliveries of reply `event_id` sent (the progress part
/// of [`earlier`], which has the one statement for both).
pub async fn progress(pool: &PgPool, event_id: &str) -> Result<Progress, sqlx::Error> {
    Ok(earlier(pool, event_id).await?.progress)
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

/// Records the messages of our replies that WhatsApp's statuses say it
/// took, as if their sends had been recorded (a redelivered reply then
/// resumes after them); those recorded already stay as they are.
#[tracing::instrument(skip_all, fields(taken = taken.len()))]
pub async fn record_taken(pool: &PgPool, taken: &[Taken]) -> Result<(), sqlx::Error> {
    let event_ids: Vec<&str> = taken.iter().map(|t| t.event_id.as_str()).collect();
    let seqs: Vec<i32> = taken.iter().map(|t| t.seq).collect();
    let ids: Vec<&str> = taken
        .iter()
        .map(|t| t.channel_message_id.as_str())
        .collect();
    sqlx::query!(
        "insert into outbound_message (event_id, seq, channel_message_id) \
         select * from unnest($1::text[], $2::int[], $3::text[]) \
         on conflict do nothing",
        &event_ids as &[&str],
        &seqs,
        &ids as &[&str]
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// What earlier deliveries of a reply left: the failure it was settled
/// with, if it was, and the channel messages they sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Earlier {
    /// The failure the reply was settled with, if it was.
    pub failure: Option<Failure>,
    /// What they sent.
    pub progress: Progress,
}

/// What earlier deliveries of reply `event_id` left, in one statement: a
/// reply's first read, before it sends anything.
#[tracing::instrument(skip_all, fields(event_id = event_id))]
pub async fn earlier(pool: &PgPool, event_id: &str) -> Result<Earlier, sqlx::Error> {
    let row = sqlx::query!(
        r#"select (select count(*) from outbound_message where event_id = $1) as "sent!",
           (select channel_message_id from outbound_message
            where event_id = $1 order by seq desc limit 1) as last_id,
           f.reason as "reason?", f.code as "code?",
           f.channel_message_id as "failure_channel_message_id?"
           from (values (1)) as one (x)
           left join reply_failure f on f.event_id = $1"#,
        event_id
    )
    .fetch_one(pool)
    .await?;
    Ok(Earlier {
        failure: row.reason.map(|reason| Failure {
            reason,
            code: row.code,
            channel_message_id: row.failure_channel_message_id,
        }),
        progress: Progress {
            sent: usize::try_from(row.sent).unwrap_or(0),
            last_channel_message_id: row.last_id,
        },
    })
}

/// Settles reply `event_id` as failed from message `from_seq` on, in one
/// transaction: messages `from_seq..total` are recorded as done (the first
/// with `template_id`, the re-engagement template sent in its place, if
/// any) and the failure is kept for redeliveries.
#[tracing::instrument(skip_all, fields(event_id = event_id, from_seq = from_seq))]
pub async fn settle_failed(
    pool: &PgPool,
    event_id: &str,
    from_seq: i32,
    total: i32,
    template_id: Option<&str>,
    failure: &Failure,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for seq in from_seq..total {
        let id = if seq == from_seq { template_id } else { None };
        sqlx::query!(
            "insert into outbound_message (event_id, seq, channel_message_id) values ($1, $2, $3) \
             on conflict do nothing",
            event_id,
            seq,
            id
        )
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query!(
        "insert into reply_failure (event_id, reason, code, channel_message_id) \
         values ($1, $2, $3, $4) on conflict do nothing",
        event_id,
        failure.reason,
        failure.code,
        failure.channel_message_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Deletes at most `limit` records of sent channel messages older than
/// `age` (the retention); returns how many.
#[tracing::instrument(skip_all)]
pub async fn purge_sent(pool: PgPool, age: Duration, limit: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "delete from outbound_message where ctid = any(array(\
         select ctid from outbound_message \
         where created_at < now() - make_interval(secs => $1) limit $2))",
        age.as_secs_f64(),
        limit
    )
    .execute(&pool)
    .await?
    .rows_affected();
    Ok(deleted)
}

/// Deletes at most `limit` replies settled as failed longer than `age` ago
/// (the retention); returns how many.
#[tracing::instrument(skip_all)]
pub async fn purge_failures(pool: PgPool, age: Duration, limit: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "delete from reply_failure where ctid = any(array(\
         select ctid from reply_failure \
         where created_at < now() - make_interval(secs => $1) limit $2))",
        age.as_secs_f64(),
        limit
    )
    .execute(&pool)
    .await?
    .rows_affected();
    Ok(deleted)
}
