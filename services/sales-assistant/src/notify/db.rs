//! The notifications' tables: each tenant's settings, the notices of new
//! escalations (queued in the hand-off's transaction) and their deliveries
//! (the outbox the sender works through).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use store_events::data::Priority;

use super::rules::Notice;
use crate::db::handoffs::Escalation;

/// The channel a notice wakes the sender on (`NOTIFY`, at the commit).
pub const WAKE_CHANNEL: &str = "sales_assistant_notify";

/// A tenant's notification settings (none stored: all off).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Where to POST each new escalation.
    pub webhook_url: Option<String>,
    /// The key of the webhook's signature.
    pub webhook_secret: Option<String>,
    /// Message the sellers' Telegram chats.
    pub telegram: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("webhook_url", &self.webhook_url.as_ref().map(|_| "[set]"))
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[set]"),
            )
            .field("telegram", &self.telegram)
            .finish()
    }
}

/// `tenant`'s settings.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn settings(conn: &mut PgConnection, tenant: &str) -> Result<Settings, sqlx::Error> {
    let row = sqlx::query_as!(
        Settings,
        "select webhook_url, webhook_secret, telegram from notification_setting \
         where tenant_id = $1",
        tenant
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or_default())
}

/// Stores `tenant`'s settings.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn save_settings(
    pool: &PgPool,
    tenant: &str,
    settings: &Settings,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into notification_setting (tenant_id, webhook_url, webhook_secret, telegram) \
         values ($1, $2, $3, $4) \
         on conflict (tenant_id) do update set webhook_url = excluded.webhook_url, \
             webhook_secret = excluded.webhook_secret, telegram = excluded.telegram, \
             updated_at = now()",
        tenant,
        settings.webhook_url.as_deref(),
        settings.webhook_secret.as_deref(),
        settings.telegram
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Queues the notice of `escalation`, which opened hand-off `handoff`, in
/// the hand-off's transaction `conn` (so the notice's `created_at` is the
/// hand-off's `opened_at`), and wakes the senders when it commits.
#[tracing::instrument(skip_all, fields(tenant = %escalation.tenant, handoff = %handoff))]
pub async fn queue_notice(
    conn: &mut PgConnection,
    handoff: Uuid,
    escalation: &Escalation,
) -> Result<(), sqlx::Error> {
    let priority = match escalation.priority {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
    };
    sqlx::query!(
        "insert into escalation_notice (id, tenant_id, brand_id, conversation, handoff_id, \
             reason, summary, priority) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        Uuid::now_v7(),
        escalation.tenant.as_str(),
        escalation.brand,
        escalation.conversation,
        handoff,
        escalation.reason,
        escalation.summary,
        priority
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("select pg_notify($1, '')", WAKE_CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

/// A notice whose deliveries are not queued yet, locked until `conn`'s
/// transaction ends (another replica skips it).
#[tracing::instrument(skip_all)]
pub async fn lock_unexpanded(
    conn: &mut PgConnection,
) -> Result<Option<(Uuid, Notice)>, sqlx::Error> {
    let row = sqlx::query!(
        "select id, tenant_id, brand_id, conversation, handoff_id, reason, summary, priority, \
             created_at from escalation_notice where expanded_at is null \
         order by created_at limit 1 for update skip locked"
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            r.id,
            Notice {
                tenant: r.tenant_id,
                brand: r.brand_id,
                conversation: r.conversation,
                handoff: r.handoff_id,
                reason: r.reason,
                summary: r.summary,
                priority: r.priority,
                opened_at: r.created_at,
            },
        )
    }))
}

/// A seller to tell on Telegram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatOf {
    /// The account.
    pub account: Uuid,
    /// Its Telegram chat id.
    pub chat_id: String,
}

/// The active accounts of `tenant` who may work `brand` (owners: every
/// brand) and have a Telegram chat id.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn telegram_chats(
    conn: &mut PgConnection,
    tenant: &str,
    brand: &str,
) -> Result<Vec<ChatOf>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, telegram_chat_id as "chat_id!" from seller_account
        where tenant_id = $1 and disabled_at is null and password_hash is not null
          and telegram_chat_id is not null and telegram_chat_id <> ''
          and (role = 'owner' or $2 = any(brands))
        order by created_at, id"#,
        tenant,
        brand
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChatOf {
            account: r.id,
            chat_id: r.chat_id,
        })
        .collect())
}

/// One delivery to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// POST to this URL.
    Webhook(String),
    /// Message this chat of this account.
    Telegram(ChatOf),
}

/// Queues `targets` for notice `id` and marks it expanded.
#[tracing::instrument(skip_all, fields(notice = %id))]
pub async fn expand(
    conn: &mut PgConnection,
    id: Uuid,
    tenant: &str,
    targets: &[Target],
) -> Result<(), sqlx::Error> {
    for target in targets {
        let (channel, to, account) = match target {
            Target::Webhook(url) => ("webhook", url.as_str(), None),
            Target::Telegram(chat) => ("telegram", chat.chat_id.as_str(), Some(chat.account)),
        };
        sqlx::query!(
            "insert into notification_delivery (id, notice_id, tenant_id, channel, target, \
                 account_id) values ($1, $2, $3, $4, $5, $6)",
            Uuid::now_v7(),
            id,
            tenant,
            channel,
            to,
            account
        )
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query!(
        "update escalation_notice set expanded_at = now() where id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery the sender took.
#[derive(Debug, Clone)]
pub struct Due {
    /// The delivery.
    pub id: Uuid,
    /// `webhook` or `telegram`.
    pub channel: String,
    /// URL or chat id.
    pub target: String,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// What to tell.
    pub notice: Notice,
}

/// Takes up to `limit` deliveries that are due: each is leased for `lease`
/// (no other sender takes it meanwhile; if this one dies, it is due again
/// then) and its attempt counted.
#[tracing::instrument(skip_all)]
pub async fn take_due(
    pool: &PgPool,
    limit: i64,
    lease: std::time::Duration,
) -> Result<Vec<Due>, sqlx::Error> {
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    let rows = sqlx::query!(
        "with due as (
            select id from notification_delivery
            where status = 'pending' and next_attempt_at <= now()
            order by next_attempt_at limit $1 for update skip locked),
        taken as (
            update notification_delivery d
            set attempts = d.attempts + 1,
                next_attempt_at = now() + make_interval(secs => $2::bigint / 1000.0),
                updated_at = now()
            from due where d.id = due.id
            returning d.id, d.notice_id, d.channel, d.target, d.attempts)
        select t.id, t.channel, t.target, t.attempts, n.tenant_id, n.brand_id, n.conversation,
            n.handoff_id, n.reason, n.summary, n.priority, n.created_at
        from taken t join escalation_notice n on n.id = t.notice_id",
        limit,
        lease_ms
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            id: r.id,
            channel: r.channel,
            target: r.target,
            attempt: r.attempts,
            notice: Notice {
                tenant: r.tenant_id,
                brand: r.brand_id,
                conversation: r.conversation,
                handoff: r.handoff_id,
                reason: r.reason,
                summary: r.summary,
                priority: r.priority,
                opened_at: r.created_at,
            },
        })
        .collect())
}

/// Records that delivery `id` was sent.
#[tracing::instrument(skip_all, fields(delivery = %id))]
pub async fn sent(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update notification_delivery set status = 'sent', sent_at = now(), last_error = null, \
             updated_at = now() where id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt of delivery `id`: tried again at `again`, or
/// given up when none.
#[tracing::instrument(skip_all, fields(delivery = %id))]
pub async fn failed(
    pool: &PgPool,
    id: Uuid,
    error: &str,
    again: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update notification_delivery set last_error = $2, \
             status = case when $3::timestamptz is null then 'failed' else 'pending' end, \
             next_attempt_at = coalesce($3, next_attempt_at), updated_at = now() \
         where id = $1",
        id,
        error,
        again
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// When the next pending delivery is due, if any.
#[tracing::instrument(skip_all)]
pub async fn next_due(pool: &PgPool) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "select min(next_attempt_at) from notification_delivery where status = 'pending'"
    )
    .fetch_one(pool)
    .await
}

/// The Telegram chat id of `tenant`'s account `account`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, account = %account))]
pub async fn telegram_chat(
    pool: &PgPool,
    tenant: &str,
    account: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "select telegram_chat_id from seller_account where id = $1 and tenant_id = $2",
        account,
        tenant
    )
    .fetch_optional(pool)
    .await?
    .flatten())
}

/// Sets (or clears) the Telegram chat id of `tenant`'s account `account`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, account = %account))]
pub async fn set_telegram_chat(
    pool: &PgPool,
    tenant: &str,
    account: Uuid,
    chat: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update seller_account set telegram_chat_id = $3, updated_at = now() \
         where id = $1 and tenant_id = $2",
        account,
        tenant,
        chat
    )
    .execute(pool)
    .await?;
    Ok(())
}
