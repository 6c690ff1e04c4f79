//! The rows of the owner's report (`domain::report`), read for one tenant,
//! a range of days and optionally one brand. Days are calendar days of the
//! report's time zone (an IANA name PostgreSQL knows): a day `d` runs from
//! `d 00:00` to `d+1 00:00` there, daylight saving included.

use chrono::NaiveDate;
use sqlx::PgPool;
use store_events::TenantId;

use crate::domain::{
    order::ClosedBy,
    report::{ConversationDay, DayRange, HandoffRow, OrderGroup, Rows},
};

/// Whether PostgreSQL knows the time zone `name` (checked at start-up).
#[tracing::instrument(skip_all, fields(zone = %name))]
pub async fn time_zone_exists(pool: &PgPool, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from pg_timezone_names where name = $1) as "exists!""#,
        name
    )
    .fetch_one(pool)
    .await
}

/// Today in the time zone `zone`.
#[tracing::instrument(skip_all)]
pub async fn today(pool: &PgPool, zone: &str) -> Result<NaiveDate, sqlx::Error> {
    sqlx::query_scalar!(r#"select (now() at time zone $1)::date as "today!""#, zone)
        .fetch_one(pool)
        .await
}

/// Every brand `tenant` has a conversation, hand-off or order of, by name.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn brands(pool: &PgPool, tenant: &TenantId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select brand_id as "brand!" from conversation where tenant_id = $1
        union select brand_id from handoff where tenant_id = $1
        union select brand_id from shop_order where tenant_id = $1
        order by 1"#,
        tenant.as_str()
    )
    .fetch_all(pool)
    .await
}

/// The rows of `tenant`'s report of `range` in time zone `zone`, for
/// `brand` or every brand.
#[tracing::instrument(skip_all, fields(tenant = %tenant, from = %range.from(), to = %range.to()))]
pub async fn rows(
    pool: &PgPool,
    tenant: &TenantId,
    range: &DayRange,
    zone: &str,
    brand: Option<&str>,
) -> Result<Rows, sqlx::Error> {
    let (from, to) = (range.from(), range.to());
    // Each conversation with a shopper message on a day (of the brand the
    // conversation is with), and whether an order was placed in it that
    // same day.
    let conversations = sqlx::query!(
        r#"with active as (
            select distinct c.brand_id, m.conversation, (m.at at time zone $2)::date as day
            from conversation_message m
            join conversation c on c.tenant_id = m.tenant_id and c.conversation = m.conversation
            where m.tenant_id = $1 and m.sender = 'shopper'
              and m.at >= ($3::date::timestamp at time zone $2)
              and m.at < (($4::date + 1)::timestamp at time zone $2)
              and ($5::text is null or c.brand_id = $5))
        select a.brand_id, a.day as "day!", count(*) as "conversations!",
            count(*) filter (where exists (
                select 1 from shop_order o
                where o.tenant_id = $1 and o.conversation = a.conversation
                  and o.placed_at >= (a.day::timestamp at time zone $2)
                  and o.placed_at < ((a.day + 1)::timestamp at time zone $2))) as "converted!"
        from active a group by a.brand_id, a.day"#,
        tenant.as_str(),
        zone,
        from,
        to,
        brand
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| ConversationDay {
        brand: r.brand_id,
        day: r.day,
        conversations: r.conversations,
        converted: r.converted,
    })
    .collect();

    let handoffs = sqlx::query!(
        r#"select brand_id, (opened_at at time zone $2)::date as "day!", reason, taken_over,
            first_human_reply_at - opened_at as to_first_reply,
            resolved_at - opened_at as to_resolution
        from handoff
        where tenant_id = $1
          and opened_at >= ($3::date::timestamp at time zone $2)
          and opened_at < (($4::date + 1)::timestamp at time zone $2)
          and ($5::text is null or brand_id = $5)"#,
        tenant.as_str(),
        zone,
        from,
        to,
        brand
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| HandoffRow {
        brand: r.brand_id,
        day: r.day,
        reason: r.reason,
        taken_over: r.taken_over,
        to_first_reply: r.to_first_reply.map(interval),
        to_resolution: r.to_resolution.map(interval),
    })
    .collect();

    let orders = sqlx::query!(
        r#"select brand_id, (placed_at at time zone $2)::date as "day!", closed_by, status,
            currency, count(*) as "orders!", sum(total_minor)::bigint as "total_minor!"
        from shop_order
        where tenant_id = $1
          and placed_at >= ($3::date::timestamp at time zone $2)
          and placed_at < (($4::date + 1)::timestamp at time zone $2)
          and ($5::text is null or brand_id = $5)
        group by 1, 2, 3, 4, 5"#,
        tenant.as_str(),
        zone,
        from,
        to,
        brand
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| OrderGroup {
        brand: r.brand_id,
        day: r.day,
        // The table's check allows no other.
        closed_by: ClosedBy::parse(&r.closed_by).unwrap_or(ClosedBy::Ai),
        status: r.status,
        currency: r.currency,
        orders: r.orders,
        total_minor: r.total_minor,
    })
    .collect();

    Ok(Rows {
        conversations,
        handoffs,
        orders,
    })
}

/// A PostgreSQL interval of timestamps' difference (days and microseconds;
/// no months) as a duration.
fn interval(value: sqlx::postgres::types::PgInterval) -> chrono::TimeDelta {
    chrono::TimeDelta::days(i64::from(value.days) + 30 * i64::from(value.months))
        + chrono::TimeDelta::microseconds(value.microseconds)
}
