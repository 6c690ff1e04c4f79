//! Orders: placing one (with its request record), reading, listing, and
//! moving one through its lifecycle under a row lock.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool, types::Json};
use store_events::{
    Event, TenantId,
    data::{Currency, Customer, Delivery, Money, OrderLine, OrderStatus, Payment},
};
use uuid::Uuid;

use crate::domain::lifecycle::{parse_status, status_name};

/// Everything stored about a new order.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Order id.
    pub id: Uuid,
    /// Tenant.
    pub tenant: TenantId,
    /// Brand.
    pub brand: String,
    /// The request's event id (also the reservation id).
    pub request_event_id: String,
    /// Correlation id of the conversation's exchange.
    pub correlation_id: String,
    /// Conversation, if any.
    pub conversation: Option<String>,
    /// Channel, if known.
    pub channel: Option<String>,
    /// The shopper.
    pub customer: Customer,
    /// Priced lines.
    pub lines: Vec<OrderLine>,
    /// Subtotal.
    pub subtotal: Money,
    /// Delivery fee.
    pub delivery_fee: Option<Money>,
    /// Total.
    pub total: Money,
    /// Delivery details.
    pub delivery: Option<Delivery>,
    /// Shopper's note.
    pub note: Option<String>,
    /// Order number, e.g. `SH-1001`.
    pub number: String,
    /// How to pay.
    pub payment: Payment,
    /// The payment provider's id of the payment.
    pub payment_reference: Option<String>,
    /// When an unpaid order expires (never for cash on delivery).
    pub expires_at: Option<DateTime<Utc>>,
}

/// A `customer_order` row as stored, one field per column (the migration
/// says what each holds); fields document themselves where the column name
/// does not.
#[allow(missing_docs)]
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: Uuid,
    pub tenant_id: String,
    pub brand_id: String,
    pub number: String,
    /// Request (and reservation) id.
    pub request_event_id: String,
    pub correlation_id: String,
    pub conversation: Option<String>,
    pub channel: Option<String>,
    pub customer_id: String,
    pub customer: Json<Customer>,
    pub status: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub delivery_fee_minor: Option<i64>,
    pub total_minor: i64,
    pub delivery: Option<Json<Delivery>>,
    pub note: Option<String>,
    pub payment_provider: String,
    pub payment_link: Option<String>,
    pub tracking_number: Option<String>,
    /// The payment provider's id of the payment.
    pub payment_reference: Option<String>,
    /// Expiry of an unpaid order.
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrderRow {
    /// The status, parsed.
    pub fn status(&self) -> OrderStatus {
        // Stored statuses are checked by the table's constraint.
        parse_status(&self.status).unwrap_or(OrderStatus::PendingPayment)
    }
}

/// A checked `query_as!` of [`OrderRow`]s: every column of `customer_order`,
/// then `$rest` (the `where` clause onwards) with its arguments.
macro_rules! select_orders {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            OrderRow,
            r#"select id, tenant_id, brand_id, number, request_event_id, correlation_id,
            conversation, channel, customer_id, customer as "customer: Json<Customer>", status,
            currency, subtotal_minor, delivery_fee_minor, total_minor,
            delivery as "delivery: Json<Delivery>", note, payment_provider, payment_link,
            tracking_number, payment_reference, expires_at, created_at, updated_at
            from customer_order "# + $rest
            $(, $arg)*
        )
    };
}

/// An order as the HTTP API shows it (the fields are the JSON keys, named
/// for what they hold; see the service README).
#[allow(missing_docs)]
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub id: Uuid,
    pub order_number: String,
    pub brand: String,
    pub status: String,
    pub customer: Customer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_fee: Option<Money>,
    pub total: Money,
    pub payment: Payment,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Expiry of an unpaid order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn currency(code: &str) -> Result<Currency, sqlx::Error> {
    Currency::parse(code).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The stored outcome event of an order request, if it was handled.
#[tracing::instrument(skip_all, fields(tenant = %tenant, request = event_id))]
pub async fn find_request(
    conn: &mut PgConnection,
    tenant: &TenantId,
    event_id: &str,
) -> Result<Option<Event>, sqlx::Error> {
    let outcome = sqlx::query_scalar!(
        r#"select outcome as "outcome: Json<Event>" from order_request
        where tenant_id = $1 and event_id = $2"#,
        tenant.as_str(),
        event_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(outcome.map(|Json(event)| event))
}

/// Records that the request `event_id` was answered with `outcome`; false
/// when another delivery recorded it first (then nothing is written).
#[tracing::instrument(skip_all, fields(tenant = %tenant, request = event_id))]
pub async fn record_request(
    conn: &mut PgConnection,
    tenant: &TenantId,
    event_id: &str,
    outcome: &Event,
    order_id: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        "insert into order_request (tenant_id, event_id, outcome, order_id) values ($1, $2, $3, $4) \
         on conflict (tenant_id, event_id) do nothing",
        tenant.as_str(),
        event_id,
        Json(outcome) as _,
        order_id
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// The next order number of a brand, e.g. `FA-1001`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = brand))]
pub async fn next_number(
    conn: &mut PgConnection,
    tenant: &TenantId,
    brand: &str,
) -> Result<String, sqlx::Error> {
    let value = sqlx::query_scalar!(
        "insert into order_counter (tenant_id, brand_id, last_value) values ($1, $2, 1001) \
         on conflict (tenant_id, brand_id) do update \
         set last_value = order_counter.last_value + 1, updated_at = now() returning last_value",
        tenant.as_str(),
        brand
    )
    .fetch_one(conn)
    .await?;
    let prefix: String = brand
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(2)
        .collect::<String>()
        .to_uppercase();
    Ok(format!(
        "{}-{value}",
        if prefix.is_empty() {
            "OR".to_owned()
        } else {
            prefix
        }
    ))
}

/// Places `order` for its request: the request's record (answered with
/// `outcome`), the order, its lines, its first status and `outcome` in the
/// outbox, all in one statement — one round trip, atomic on its own (no
/// transaction around it). False when another delivery of the request
/// recorded it first: then nothing is written.
#[tracing::instrument(skip_all, fields(tenant = %order.tenant, order = %order.number))]
pub async fn place(
    conn: &mut PgConnection,
    order: &NewOrder,
    outcome: &Event,
) -> Result<bool, sqlx::Error> {
    let lines = &order.lines;
    let quantity = |line: &OrderLine| i32::try_from(line.quantity).unwrap_or(i32::MAX);
    // Each part is written only when the request's record is: the other
    // parts read the record's `returning` row, so a repeated request (its
    // record already there) writes nothing.
    let placed = sqlx::query_scalar!(
        r#"with request as (
            insert into order_request (tenant_id, event_id, outcome, order_id)
            values ($2, $5, $21, $1)
            on conflict (tenant_id, event_id) do nothing
            returning order_id
        ), placed as (
            insert into customer_order (id, tenant_id, brand_id, number, request_event_id,
                correlation_id, conversation, channel, customer_id, customer, status, currency,
                subtotal_minor, delivery_fee_minor, total_minor, delivery, note,
                payment_provider, payment_link, expires_at, payment_reference)
            select order_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $30, $11, $12, $13, $14, $15,
                $16, $17, $18, $19, $20
            from request
            returning id
        ), lines as (
            insert into order_line (order_id, line, product_id, variant_id, sku, name, quantity,
                unit_price_minor, line_total_minor)
            select placed.id, (l.n - 1)::int, l.product_id, l.variant_id, l.sku, l.name,
                l.quantity, l.unit_price_minor, l.line_total_minor
            from placed, unnest($23::text[], $24::text[], $25::text[], $26::text[],
                $27::int[], $28::bigint[], $29::bigint[])
                with ordinality as l(product_id, variant_id, sku, name, quantity,
                    unit_price_minor, line_total_minor, n)
        ), status as (
            insert into order_status_change (order_id, from_status, to_status, reason)
            select id, null, $30, 'placed' from placed
        ), queued as (
            insert into outbox (id, event) select $22, $21 from request
        )
        select count(*) as "placed!" from request"#,
        order.id,
        order.tenant.as_str(),
        &order.brand,
        &order.number,
        &order.request_event_id,
        &order.correlation_id,
        order.conversation.as_deref(),
        order.channel.as_deref(),
        &order.customer.id,
        Json(&order.customer) as _,
        order.total.currency.as_str(),
        order.subtotal.amount_minor,
        order.delivery_fee.as_ref().map(|f| f.amount_minor),
        order.total.amount_minor,
        order.delivery.as_ref().map(Json) as _,
        order.note.as_deref(),
        &order.payment.provider,
        order.payment.link.as_deref(),
        order.expires_at,
        order.payment_reference.as_deref(),
        Json(outcome) as _,
        Uuid::now_v7(),
        &lines
            .iter()
            .map(|l| l.product_id.clone())
            .collect::<Vec<_>>(),
        &lines
            .iter()
            .map(|l| l.variant_id.clone())
            .collect::<Vec<_>>() as &[Option<String>],
        &lines.iter().map(|l| l.sku.clone()).collect::<Vec<_>>(),
        &lines.iter().map(|l| l.name.clone()).collect::<Vec<_>>(),
        &lines.iter().map(quantity).collect::<Vec<_>>(),
        &lines
            .iter()
            .map(|l| l.unit_price.amount_minor)
            .collect::<Vec<_>>(),
        &lines
            .iter()
            .map(|l| l.line_total.amount_minor)
            .collect::<Vec<_>>(),
        status_name(OrderStatus::PendingPayment),
    )
    .fetch_one(conn)
    .await?;
    Ok(placed == 1)
}

/// Appends to an order's status history.
#[tracing::instrument(skip_all, fields(order = %order_id, to = status_name(to)))]
pub async fn record_status(
    conn: &mut PgConnection,
    order_id: Uuid,
    from: Option<OrderStatus>,
    to: OrderStatus,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into order_status_change (order_id, from_status, to_status, reason) values ($1, $2, $3, $4)",
        order_id,
        from.map(status_name),
        status_name(to),
        reason
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks an order of `tenant` for a status change, by id or number.
#[tracing::instrument(skip_all, fields(tenant = %tenant, order = ?key))]
pub async fn lock(
    conn: &mut PgConnection,
    tenant: &TenantId,
    key: &OrderKey,
) -> Result<Option<OrderRow>, sqlx::Error> {
    let tenant = tenant.as_str();
    match key {
        OrderKey::Id(id) => {
            select_orders!("where tenant_id = $1 and id = $2 for update", tenant, id)
                .fetch_optional(conn)
                .await
        }
        OrderKey::Number(number) => {
            select_orders!(
                "where tenant_id = $1 and number = $2 for update",
                tenant,
                number
            )
            .fetch_optional(conn)
            .await
        }
        OrderKey::Request(id) => {
            select_orders!(
                "where tenant_id = $1 and request_event_id = $2 for update",
                tenant,
                id
            )
            .fetch_optional(conn)
            .await
        }
    }
}

/// How an order is named in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderKey {
    /// By id.
    Id(Uuid),
    /// By number, e.g. `FA-1001`.
    Number(String),
    /// By the id of the request that placed it (a payment's reference).
    Request(String),
}

/// Sets an order's status (and tracking number, when given).
#[tracing::instrument(skip_all, fields(order = %order_id, to = status_name(to)))]
pub async fn set_status(
    conn: &mut PgConnection,
    order_id: Uuid,
    to: OrderStatus,
    tracking_number: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update customer_order set status = $2, \
         tracking_number = coalesce($3, tracking_number), updated_at = now() where id = $1",
        order_id,
        status_name(to),
        tracking_number
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Unpaid orders past their expiry, locked (other replicas skip them).
#[tracing::instrument(skip_all, fields(limit = limit))]
pub async fn lock_expired(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    select_orders!(
        "where status = 'pending_payment' \
         and expires_at <= now() order by expires_at limit $1 for update skip locked",
        limit
    )
    .fetch_all(conn)
    .await
}

/// The view of a stored order, with its lines.
#[tracing::instrument(skip_all, fields(order = %row.number))]
pub async fn view(conn: &mut PgConnection, row: OrderRow) -> Result<OrderView, sqlx::Error> {
    let currency = currency(&row.currency)?;
    let lines = sqlx::query!(
        "select product_id, variant_id, sku, name, quantity, unit_price_minor, line_total_minor \
         from order_line where order_id = $1 order by line",
        row.id
    )
    .fetch_all(conn)
    .await?;
    let money = |amount| Money::new(amount, currency.clone());
    Ok(OrderView {
        id: row.id,
        order_number: row.number,
        brand: row.brand_id,
        status: row.status,
        customer: row.customer.0,
        channel: row.channel,
        lines: lines
            .into_iter()
            .map(|l| OrderLine {
                product_id: l.product_id,
                variant_id: l.variant_id,
                sku: l.sku,
                name: l.name,
                quantity: u32::try_from(l.quantity).unwrap_or(0),
                unit_price: money(l.unit_price_minor),
                line_total: money(l.line_total_minor),
            })
            .collect(),
        subtotal: money(row.subtotal_minor),
        delivery_fee: row.delivery_fee_minor.map(money),
        total: money(row.total_minor),
        payment: Payment {
            provider: row.payment_provider,
            link: row.payment_link,
        },
        tracking_number: row.tracking_number,
        delivery: row.delivery.map(|d| d.0),
        note: row.note,
        expires_at: row.expires_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One order of `tenant`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, order = ?key))]
pub async fn get(
    pool: &PgPool,
    tenant: &TenantId,
    key: &OrderKey,
) -> Result<Option<OrderView>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let tenant = tenant.as_str();
    let row = match key {
        OrderKey::Id(id) => {
            select_orders!("where tenant_id = $1 and id = $2", tenant, id)
                .fetch_optional(&mut *conn)
                .await?
        }
        OrderKey::Number(number) => {
            select_orders!("where tenant_id = $1 and number = $2", tenant, number)
                .fetch_optional(&mut *conn)
                .await?
        }
        OrderKey::Request(id) => {
            select_orders!("where tenant_id = $1 and request_event_id = $2", tenant, id)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    match row {
        Some(row) => view(&mut conn, row).await.map(Some),
        None => Ok(None),
    }
}

/// Filters of an order listing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this shopper's.
    pub customer_id: Option<String>,
    /// Only in this status.
    pub status: Option<String>,
    /// Only of this brand.
    pub brand: Option<String>,
    /// Most orders.
    pub limit: i64,
    /// Orders to skip.
    pub offset: i64,
}

/// Orders of `tenant`, newest first, with the number matching in all.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn list(
    pool: &PgPool,
    tenant: &TenantId,
    filter: &Filter,
) -> Result<(Vec<OrderView>, i64), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from customer_order
        where tenant_id = $1 and ($2::text is null or customer_id = $2)
        and ($3::text is null or status = $3) and ($4::text is null or brand_id = $4)"#,
        tenant.as_str(),
        filter.customer_id.as_deref(),
        filter.status.as_deref(),
        filter.brand.as_deref()
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows = select_orders!(
        "where tenant_id = $1 and ($2::text is null or customer_id = $2) \
        and ($3::text is null or status = $3) and ($4::text is null or brand_id = $4) \
        order by created_at desc, id desc limit $5 offset $6",
        tenant.as_str(),
        filter.customer_id.as_deref(),
        filter.status.as_deref(),
        filter.brand.as_deref(),
        filter.limit,
        filter.offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(view(&mut conn, row).await?);
    }
    Ok((views, total))
}
