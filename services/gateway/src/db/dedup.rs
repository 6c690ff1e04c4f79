//! Edge deduplication by the channel's own message id (`wamid`, Telegram
//! `bot:update_id`), inside the transaction that spans the publishing of the
//! message's events: the row commits only once the events are confirmed, so
//! a failed publish leaves no row and the channel's retry goes through.
//! A concurrent duplicate blocks on the key until the first one commits.

use std::time::Duration;

use sqlx::{PgConnection, PgPool};

/// Whether a channel message is seen for the first time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// First time (or the old row had expired): publish it.
    First,
    /// Already published: skip.
    Duplicate,
}

/// Records `key` of `channel` for `tenant` until `ttl` from now.
#[tracing::instrument(skip_all, fields(tenant = tenant, channel = channel))]
pub async fn claim(
    conn: &mut PgConnection,
    tenant: &str,
    channel: &str,
    key: &str,
    ttl: Duration,
) -> Result<Seen, sqlx::Error> {
    let inserted = sqlx::query!(
        "insert into inbound_message (tenant, channel, channel_key, expires_at) \
         values ($1, $2, $3, now() + make_interval(secs => $4)) \
         on conflict (tenant, channel, channel_key) do update \
         set created_at = now(), expires_at = excluded.expires_at \
         where inbound_message.expires_at < now()",
        tenant,
        channel,
        key,
        ttl.as_secs_f64()
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(if inserted == 1 {
        Seen::First
    } else {
        Seen::Duplicate
    })
}

/// Deletes expired rows; returns how many.
#[tracing::instrument(skip_all)]
pub async fn purge_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("delete from inbound_message where expires_at < now()")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
