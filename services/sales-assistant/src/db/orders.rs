//! The shop's orders as the order processor announced them (`shop_order`):
//! recording a new one, moving its status, and telling the inbox's live
//! pages that a conversation's orders changed.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, types::Json};
use store_events::{TenantId, data::OrderLine};

use crate::domain::order::{self, ClosedBy};

/// An order as `store.order.created` announced it, one field per column of
/// `shop_order` (the migration says what each holds).
#[allow(missing_docs)]
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub tenant: &'a TenantId,
    pub order_id: &'a str,
    pub brand: &'a str,
    /// The conversation it was placed in, when the event named one.
    pub conversation: Option<&'a str>,
    pub number: &'a str,
    pub lines: &'a [OrderLine],
    pub total_minor: i64,
    pub currency: &'a str,
    /// Status name (`pending_payment`, …).
    pub status: &'a str,
    pub payment_url: Option<&'a str>,
    /// When it was placed (the event's time).
    pub placed_at: DateTime<Utc>,
}

/// Whether `tenant`'s `conversation` had a hand-off opened at or before
/// `at`, whatever became of it since.
#[tracing::instrument(skip_all, fields(tenant = %tenant, conversation = %conversation))]
pub async fn handed_off_by(
    conn: &mut PgConnection,
    tenant: &TenantId,
    conversation: &str,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from handoff
            where tenant_id = $1 and conversation = $2 and opened_at <= $3) as "handed_off!""#,
        tenant.as_str(),
        conversation,
        at
    )
    .fetch_one(conn)
    .await
}

/// Records `order` as closed by `closed_by`; false when it was recorded
/// already (the order processor announced it twice).
#[tracing::instrument(skip_all, fields(tenant = %order.tenant, order = %order.order_id))]
pub async fn insert(
    conn: &mut PgConnection,
    order: &NewOrder<'_>,
    closed_by: ClosedBy,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        "insert into shop_order (tenant_id, order_id, brand_id, conversation, number, lines, \
             total_minor, currency, status, payment_url, closed_by, placed_at, status_changed_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
         on conflict (tenant_id, order_id) do nothing",
        order.tenant.as_str(),
        order.order_id,
        order.brand,
        order.conversation,
        order.number,
        Json(order.lines) as _,
        order.total_minor,
        order.currency,
        order.status,
        order.payment_url,
        closed_by.as_str(),
        order.placed_at
    )
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Where a recorded order belongs, for the live pages.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPlace {
    pub brand_id: String,
    pub conversation: Option<String>,
}

/// What a status change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    /// The order is not recorded (yet).
    Unknown,
    /// The status is now the new one.
    Applied(OrderPlace),
    /// A newer change was recorded before: nothing changed.
    Stale,
}

/// Moves `tenant`'s order `order_id` to `status`, changed at `changed_at`,
/// unless a newer change was recorded.
#[tracing::instrument(skip_all, fields(tenant = %tenant, order = %order_id))]
pub async fn change_status(
    conn: &mut PgConnection,
    tenant: &TenantId,
    order_id: &str,
    status: &str,
    changed_at: DateTime<Utc>,
) -> Result<StatusChange, sqlx::Error> {
    let Some(current) = sqlx::query!(
        "select brand_id, conversation, status_changed_at from shop_order \
         where tenant_id = $1 and order_id = $2 for update",
        tenant.as_str(),
        order_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(StatusChange::Unknown);
    };
    if !order::is_current(current.status_changed_at, changed_at) {
        return Ok(StatusChange::Stale);
    }
    sqlx::query!(
        "update shop_order set status = $3, status_changed_at = $4, updated_at = now() \
         where tenant_id = $1 and order_id = $2",
        tenant.as_str(),
        order_id,
        status,
        changed_at
    )
    .execute(&mut *conn)
    .await?;
    Ok(StatusChange::Applied(OrderPlace {
        brand_id: current.brand_id,
        conversation: current.conversation,
    }))
}

/// Tells the inbox's live pages (`LISTEN inbox`) that `conversation`'s
/// orders changed; delivered when `conn`'s transaction commits.
#[tracing::instrument(skip_all, fields(tenant = %tenant, conversation = %conversation))]
pub async fn notify_inbox(
    conn: &mut PgConnection,
    tenant: &TenantId,
    brand: &str,
    conversation: &str,
) -> Result<(), sqlx::Error> {
    let payload = serde_json::json!({
        "tenant": tenant.as_str(),
        "brand": brand,
        "conversation": conversation,
        "kind": "order",
    });
    sqlx::query!("select pg_notify('inbox', $1)", payload.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
