//! Hand-offs: opening one from an escalation (or updating the conversation's
//! open one), locking one for a human's action, resolving, reading, listing
//! and counting the open ones.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool, types::Json};
use store_events::{
    TenantId,
    data::{Customer, Priority},
};
use uuid::Uuid;

use crate::domain::handoff::{Status, merged_priority};

/// A hand-off as stored and shown.
#[derive(Debug, Clone, Serialize)]
pub struct Handoff {
    /// Its id (a UUIDv7).
    pub id: Uuid,
    /// Tenant.
    #[serde(skip)]
    pub tenant_id: String,
    /// Brand whose AI seller handed it over.
    #[serde(rename = "brand")]
    pub brand_id: String,
    /// Conversation id (the events' `conversation` extension).
    pub conversation: String,
    /// `whatsapp`, `telegram` or `webchat`.
    pub channel: String,
    /// The shopper.
    pub customer: Json<Customer>,
    /// Why the AI seller escalated (latest escalation).
    pub reason: String,
    /// What the human needs to know (latest escalation).
    pub summary: String,
    /// `low`, `normal` or `high`: the most urgent of its escalations.
    pub priority: String,
    /// `open` or `resolved`.
    pub status: String,
    /// Escalations it took in.
    pub escalations: i32,
    /// The latest `store.sales.escalate` event.
    #[serde(skip)]
    pub escalation_event_id: String,
    /// Correlation id of the exchange that escalated.
    #[serde(skip)]
    pub correlation_id: String,
    /// When the first escalation opened it.
    pub opened_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The human seller who resolved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    /// `handed_back` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// Note for the AI seller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The human seller who owns it (claimed, took it over or was given
    /// it), in the inbox.
    #[serde(skip)]
    pub owner_account: Option<Uuid>,
}

impl Handoff {
    /// The status, parsed (the table's constraint allows no other).
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Open)
    }
}

/// A checked `query_as!` of [`Handoff`]s: `$before`, every column of
/// `handoff`, then `$after`, with the arguments.
macro_rules! query_handoffs {
    ($before:literal, $after:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Handoff,
            $before
                + r#" id, tenant_id, brand_id, conversation, channel,
                customer as "customer: Json<Customer>", reason, summary, priority, status,
                escalations, escalation_event_id, correlation_id, opened_at, updated_at,
                resolved_at, resolved_by, resolution, note, owner_account "#
                + $after
            $(, $arg)*
        )
    };
}

/// What an escalation says about its conversation.
#[derive(Debug, Clone)]
pub struct Escalation {
    /// Tenant.
    pub tenant: TenantId,
    /// Brand.
    pub brand: String,
    /// Conversation.
    pub conversation: String,
    /// Channel name.
    pub channel: String,
    /// The shopper.
    pub customer: Customer,
    /// Reason name.
    pub reason: String,
    /// Summary.
    pub summary: String,
    /// Priority.
    pub priority: Priority,
    /// The escalation event's id.
    pub event_id: String,
    /// Its correlation id.
    pub correlation_id: String,
}

/// What an escalation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escalated {
    /// A new hand-off.
    Opened(Uuid),
    /// The conversation's open hand-off, updated.
    Updated(Uuid),
}

impl Escalated {
    /// The hand-off's id.
    pub fn id(self) -> Uuid {
        match self {
            Self::Opened(id) | Self::Updated(id) => id,
        }
    }
}

fn priority_name(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
    }
}

fn parse_priority(name: &str) -> Priority {
    match name {
        "low" => Priority::Low,
        "high" => Priority::High,
        _ => Priority::Normal,
    }
}

/// Opens a hand-off for the escalation's conversation, or updates its open
/// one (latest reason, summary, shopper and channel; the more urgent
/// priority). Leaves the hand-off locked in `conn`'s transaction.
#[tracing::instrument(skip_all, fields(tenant = %escalation.tenant, conversation = %escalation.conversation))]
pub async fn escalate(
    conn: &mut PgConnection,
    escalation: &Escalation,
) -> Result<Escalated, sqlx::Error> {
    let inserted = sqlx::query_scalar!(
        "insert into handoff (id, tenant_id, brand_id, conversation, channel, customer, reason, \
             summary, priority, escalation_event_id, correlation_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         on conflict (tenant_id, conversation) where status = 'open' do nothing \
         returning id",
        Uuid::now_v7(),
        escalation.tenant.as_str(),
        &escalation.brand,
        &escalation.conversation,
        &escalation.channel,
        Json(&escalation.customer) as _,
        &escalation.reason,
        &escalation.summary,
        priority_name(escalation.priority),
        &escalation.event_id,
        &escalation.correlation_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok(Escalated::Opened(id));
    }
    // Resolved between the insert and this lock: the error retries the
    // event, which then opens a new hand-off.
    let current = lock_open(conn, &escalation.tenant, &escalation.conversation)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let priority = merged_priority(parse_priority(&current.priority), escalation.priority);
    sqlx::query!(
        "update handoff set brand_id = $2, channel = $3, customer = $4, reason = $5, \
             summary = $6, priority = $7, escalation_event_id = $8, \
             escalations = escalations + 1, updated_at = now() \
         where id = $1",
        current.id,
        &escalation.brand,
        &escalation.channel,
        Json(&escalation.customer) as _,
        &escalation.reason,
        &escalation.summary,
        priority_name(priority),
        &escalation.event_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(Escalated::Updated(current.id))
}

/// The open hand-off of a conversation, locked until `conn`'s transaction
/// ends.
#[tracing::instrument(skip_all, fields(tenant = %tenant, conversation = %conversation))]
pub async fn lock_open(
    conn: &mut PgConnection,
    tenant: &TenantId,
    conversation: &str,
) -> Result<Option<Handoff>, sqlx::Error> {
    query_handoffs!(
        "select",
        "from handoff where tenant_id = $1 and conversation = $2 and status = 'open' for update",
        tenant.as_str(),
        conversation
    )
    .fetch_optional(conn)
    .await
}

/// The hand-off `id` of `tenant`, locked until `conn`'s transaction ends.
#[tracing::instrument(skip_all, fields(tenant = %tenant, handoff = %id))]
pub async fn lock(
    conn: &mut PgConnection,
    tenant: &TenantId,
    id: Uuid,
) -> Result<Option<Handoff>, sqlx::Error> {
    query_handoffs!(
        "select",
        "from handoff where id = $1 and tenant_id = $2 for update",
        id,
        tenant.as_str()
    )
    .fetch_optional(conn)
    .await
}

/// How a human resolved a hand-off.
#[derive(Debug, Clone)]
pub struct Resolution<'a> {
    /// The human seller.
    pub by: &'a str,
    /// `handed_back` or `closed`.
    pub resolution: &'a str,
    /// Note for the AI seller.
    pub note: Option<&'a str>,
}

/// Marks the (locked, open) hand-off `id` resolved; returns it as it is now.
#[tracing::instrument(skip_all, fields(handoff = %id))]
pub async fn resolve(
    conn: &mut PgConnection,
    id: Uuid,
    resolution: &Resolution<'_>,
) -> Result<Handoff, sqlx::Error> {
    query_handoffs!(
        "update handoff set status = 'resolved', resolved_at = now(), resolved_by = $2, \
             resolution = $3, note = $4, updated_at = now() \
         where id = $1 and status = 'open' returning",
        "",
        id,
        resolution.by,
        resolution.resolution,
        resolution.note
    )
    .fetch_one(conn)
    .await
}

/// The hand-off `id` of `tenant`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, handoff = %id))]
pub async fn get(
    pool: &PgPool,
    tenant: &TenantId,
    id: Uuid,
) -> Result<Option<Handoff>, sqlx::Error> {
    query_handoffs!(
        "select",
        "from handoff where id = $1 and tenant_id = $2",
        id,
        tenant.as_str()
    )
    .fetch_optional(pool)
    .await
}

/// Which hand-offs to list.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this brand.
    pub brand: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

/// A page of `tenant`'s hand-offs, newest first, and how many match.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn list(
    pool: &PgPool,
    tenant: &TenantId,
    filter: &Filter,
) -> Result<(Vec<Handoff>, i64), sqlx::Error> {
    let status = filter.status.map(Status::as_str);
    let rows = query_handoffs!(
        "select",
        "from handoff where tenant_id = $1 and ($2::text is null or status = $2) \
         and ($3::text is null or brand_id = $3) \
         order by opened_at desc, id desc limit $4 offset $5",
        tenant.as_str(),
        status,
        filter.brand.as_deref(),
        filter.limit,
        filter.offset
    )
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from handoff where tenant_id = $1
        and ($2::text is null or status = $2) and ($3::text is null or brand_id = $3)"#,
        tenant.as_str(),
        status,
        filter.brand.as_deref()
    )
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// Open hand-offs per tenant (tenants with none are left out).
#[tracing::instrument(skip_all)]
pub async fn open_per_tenant(pool: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select tenant_id, count(*) as "n!" from handoff where status = 'open' group by tenant_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant_id, r.n)).collect())
}

/// Claims the conversation's open hand-off for `owner` if nobody owns it:
/// one conditional update, so of two sellers claiming at once exactly one
/// gets the id back.
#[tracing::instrument(skip_all, fields(tenant, conversation))]
pub async fn claim(
    conn: &mut PgConnection,
    tenant: &str,
    conversation: &str,
    owner: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "update handoff set owner_account = $3, claimed_at = now(), updated_at = now()
         where tenant_id = $1 and conversation = $2 and status = 'open'
           and owner_account is null
         returning id",
        tenant,
        conversation,
        owner
    )
    .fetch_optional(conn)
    .await
}

/// Gives the (locked, open) hand-off `id` to `owner`, or to nobody.
#[tracing::instrument(skip_all, fields(handoff = %id))]
pub async fn set_owner(
    conn: &mut PgConnection,
    id: Uuid,
    owner: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update handoff set owner_account = $2,
             claimed_at = case when $2::uuid is null then null else now() end,
             updated_at = now()
         where id = $1 and status = 'open'",
        id,
        owner
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A person taking a conversation from the AI before any escalation.
#[derive(Debug, Clone)]
pub struct TakeOver<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Brand.
    pub brand: &'a str,
    /// Conversation.
    pub conversation: &'a str,
    /// Channel name.
    pub channel: &'a str,
    /// The shopper.
    pub customer: &'a Customer,
    /// "Taken over by <name>".
    pub summary: &'a str,
    /// Who takes it.
    pub owner: Uuid,
    /// The id standing for the escalation event (there is none).
    pub event_id: &'a str,
}

/// Opens a hand-off owned by the taker (`taken_over`); `None` when the
/// conversation already has an open one (a concurrent escalation won).
#[tracing::instrument(skip_all, fields(tenant = take.tenant, conversation = take.conversation))]
pub async fn take_over(
    conn: &mut PgConnection,
    take: &TakeOver<'_>,
) -> Result<Option<Handoff>, sqlx::Error> {
    query_handoffs!(
        "insert into handoff (id, tenant_id, brand_id, conversation, channel, customer, reason, \
             summary, priority, escalation_event_id, correlation_id, owner_account, claimed_at, \
             taken_over) \
         values ($1, $2, $3, $4, $5, $6, 'other', $7, 'normal', $8, $8, $9, now(), true) \
         on conflict (tenant_id, conversation) where status = 'open' do nothing \
         returning",
        "",
        Uuid::now_v7(),
        take.tenant,
        take.brand,
        take.conversation,
        take.channel,
        Json(take.customer) as _,
        take.summary,
        take.event_id,
        take.owner
    )
    .fetch_optional(conn)
    .await
}

/// Records why nobody could answer the new hand-off `id`, and until when.
#[tracing::instrument(skip_all, fields(handoff = %id, reason))]
pub async fn defer(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
    until: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update handoff set deferral_reason = $2, deferred_until = $3, updated_at = now()
         where id = $1",
        id,
        reason,
        until
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Notes the first human reply of hand-off `id`, sent at `at` (later
/// ones keep it): the reports' time to first reply.
#[tracing::instrument(skip_all, fields(handoff = %id))]
pub async fn replied(
    conn: &mut PgConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update handoff set first_human_reply_at = coalesce(first_human_reply_at, $2),
             updated_at = now()
         where id = $1",
        id,
        at
    )
    .execute(conn)
    .await?;
    Ok(())
}
