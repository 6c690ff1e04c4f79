//! Stock: reservations for orders (all or nothing, idempotent by
//! reservation id, no overselling under concurrency), their release, and
//! manual adjustments.
//!
//! Overselling is prevented by conditional updates under row locks: a
//! reservation decrements each variant only while it holds the quantity,
//! in id order so two reservations never deadlock, and takes those locks
//! last so a hot variant is locked for an update and a commit only (see
//! [`reserve`]).

use sqlx::{PgPool, types::Json};
use store_events::{
    BrandId, TenantId,
    data::{
        Currency, InventoryReservation, OrderItem, ReleaseReason, ReservationOutcome, StockLevel,
    },
};
use uuid::Uuid;

use crate::domain::reservation::{Decision, StockRow, decide};

struct LockedRow {
    product_id: Uuid,
    product_name: String,
    product_active: bool,
    max_per_order: Option<i32>,
    price_minor: i64,
    currency: String,
    variant_id: Uuid,
    sku: String,
    variant_name: String,
    variant_active: bool,
    is_default: bool,
    variant_price_minor: Option<i64>,
    stock: i32,
}

impl LockedRow {
    fn into_stock_row(self) -> Result<StockRow, sqlx::Error> {
        Ok(StockRow {
            product_id: self.product_id,
            product_name: self.product_name,
            product_active: self.product_active,
            max_per_order: self.max_per_order.and_then(|m| u32::try_from(m).ok()),
            price_minor: self.price_minor,
            currency: Currency::parse(self.currency)
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            variant_id: self.variant_id,
            sku: self.sku,
            variant_name: self.variant_name,
            variant_active: self.variant_active,
            is_default: self.is_default,
            variant_price_minor: self.variant_price_minor,
            stock: u32::try_from(self.stock).unwrap_or(0),
        })
    }
}

/// The answer to a reservation request, and the stock levels it moved
/// (empty when nothing moved, including a repeated request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserved {
    /// The reply to send.
    pub reply: InventoryReservation,
    /// New levels of the variants it took from.
    pub levels: Vec<StockLevel>,
}

/// Reserves `items` for `reservation_id` in `brand`, or refuses.
///
/// The stock rows are locked last: the rows are read, the decision made
/// and the reservation's lines and reply written first, and only then is
/// each variant's stock decremented — on the condition that it still
/// holds the quantity — and the transaction committed. Every order of a
/// popular product takes from the same row, so the time that row stays
/// locked (one update and the commit, not the whole reservation) bounds
/// how many orders a second the shop can take. Should another reservation
/// have taken the stock between the read and the update, this one starts
/// again with the rows locked first ([`Locking::First`]), which decides on
/// locked rows and cannot lose that race.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand, reservation = reservation_id))]
pub async fn reserve(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
    reservation_id: &str,
    items: &[OrderItem],
    max_per_line: u32,
) -> Result<Reserved, sqlx::Error> {
    let ask = Ask {
        tenant,
        brand,
        reservation_id,
        items,
        max_per_line,
    };
    match reserve_with(pool, &ask, Locking::Last).await? {
        Some(reserved) => Ok(reserved),
        None => {
            tracing::debug!("stock taken meanwhile; reserving again with the rows locked");
            reserve_with(pool, &ask, Locking::First)
                .await?
                .ok_or_else(|| sqlx::Error::Protocol("locked stock changed under its lock".into()))
        }
    }
}

/// A reservation request.
struct Ask<'a> {
    tenant: &'a TenantId,
    brand: &'a BrandId,
    reservation_id: &'a str,
    items: &'a [OrderItem],
    max_per_line: u32,
}

/// When the variant rows are locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Locking {
    /// By the stock updates, at the end (fails over when the stock moved).
    Last,
    /// By the read, at the start (`for update`, in id order).
    First,
}

/// One reservation attempt; `None` when, locking last, a variant no longer
/// held what was decided (nothing is kept then).
async fn reserve_with(
    pool: &PgPool,
    ask: &Ask<'_>,
    locking: Locking,
) -> Result<Option<Reserved>, sqlx::Error> {
    let Ask {
        tenant,
        brand,
        reservation_id,
        items,
        max_per_line,
    } = *ask;
    let mut tx = pool.begin().await?;
    // Claim the id first: a concurrent duplicate blocks here until we end,
    // then finds our row and answers with our reply.
    let claimed = sqlx::query!(
        "insert into reservation (tenant_id, id, status, reply) values ($1, $2, 'reserved', '{}') \
         on conflict (tenant_id, id) do nothing",
        tenant.as_str(),
        reservation_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        let Json(reply) = sqlx::query_scalar!(
            r#"select reply as "reply: Json<InventoryReservation>" from reservation
             where tenant_id = $1 and id = $2"#,
            tenant.as_str(),
            reservation_id
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Some(Reserved {
            reply,
            levels: vec![],
        }));
    }
    let product_ids: Vec<Uuid> = items
        .iter()
        .filter_map(|i| Uuid::parse_str(&i.product_id).ok())
        .collect();
    // The same select twice, with and without `for update`: `query_as!`
    // checks only a literal.
    let rows = match locking {
        Locking::Last => {
            sqlx::query_as!(
                LockedRow,
                "select p.id as product_id, p.name as product_name, p.active as product_active, \
                 p.max_per_order, p.price_minor, p.currency, v.id as variant_id, v.sku, \
                 v.name as variant_name, v.active as variant_active, v.is_default, \
                 v.price_minor as variant_price_minor, v.stock \
                 from variant v join product p on p.id = v.product_id \
                 where p.tenant_id = $1 and p.brand_id = $2 and p.id = any($3) and v.tenant_id = $1 \
                 order by v.id",
                tenant.as_str(),
                brand.as_str(),
                &product_ids
            )
            .fetch_all(&mut *tx)
            .await?
        }
        Locking::First => {
            sqlx::query_as!(
                LockedRow,
                "select p.id as product_id, p.name as product_name, p.active as product_active, \
                 p.max_per_order, p.price_minor, p.currency, v.id as variant_id, v.sku, \
                 v.name as variant_name, v.active as variant_active, v.is_default, \
                 v.price_minor as variant_price_minor, v.stock \
                 from variant v join product p on p.id = v.product_id \
                 where p.tenant_id = $1 and p.brand_id = $2 and p.id = any($3) and v.tenant_id = $1 \
                 order by v.id for update of v",
                tenant.as_str(),
                brand.as_str(),
                &product_ids
            )
            .fetch_all(&mut *tx)
            .await?
        }
    };
    let rows = rows
        .into_iter()
        .map(LockedRow::into_stock_row)
        .collect::<Result<Vec<_>, _>>()?;
    let takes = match decide(items, &rows, max_per_line) {
        Decision::Refuse(refusals) => {
            // Nothing is kept, not even the claim: asking again decides
            // again. (Refused on unlocked rows: another reservation may
            // have given stock back since the read, as it may just after a
            // locked read.)
            tx.rollback().await?;
            return Ok(Some(Reserved {
                reply: InventoryReservation {
                    reservation_id: reservation_id.to_owned(),
                    outcome: ReservationOutcome::Refused,
                    lines: vec![],
                    refusals,
                    error: None,
                },
                levels: vec![],
            }));
        }
        Decision::Reserve(takes) => takes,
    };
    for (line, take) in takes.iter().enumerate() {
        sqlx::query!(
            "insert into reservation_line (tenant_id, reservation_id, line, variant_id, quantity) \
             values ($1, $2, $3, $4, $5)",
            tenant.as_str(),
            reservation_id,
            i32::try_from(line).unwrap_or(i32::MAX),
            take.variant_id,
            i32::try_from(take.quantity).unwrap_or(i32::MAX)
        )
        .execute(&mut *tx)
        .await?;
    }
    let reply = InventoryReservation {
        reservation_id: reservation_id.to_owned(),
        outcome: ReservationOutcome::Reserved,
        lines: takes.iter().map(|t| t.line.clone()).collect(),
        refusals: vec![],
        error: None,
    };
    sqlx::query!(
        "update reservation set reply = $3 where tenant_id = $1 and id = $2",
        tenant.as_str(),
        reservation_id,
        Json(&reply) as _
    )
    .execute(&mut *tx)
    .await?;
    // The stock last, each variant once and in id order (two reservations
    // never wait on each other's rows in a cycle), only while it holds the
    // quantity.
    let mut wanted: Vec<(Uuid, i32)> = Vec::new();
    for take in &takes {
        let quantity = i32::try_from(take.quantity).unwrap_or(i32::MAX);
        match wanted.iter_mut().find(|(v, _)| *v == take.variant_id) {
            Some((_, q)) => *q = q.saturating_add(quantity),
            None => wanted.push((take.variant_id, quantity)),
        }
    }
    wanted.sort();
    let mut left: Vec<(Uuid, i32)> = Vec::with_capacity(wanted.len());
    for (variant, quantity) in wanted {
        let stock = sqlx::query_scalar!(
            "update variant set stock = stock - $3, updated_at = now() \
             where tenant_id = $1 and id = $2 and stock >= $3 returning stock",
            tenant.as_str(),
            variant,
            quantity
        )
        .fetch_optional(&mut *tx)
        .await?;
        match stock {
            Some(stock) => left.push((variant, stock)),
            None => {
                tx.rollback().await?;
                return Ok(None);
            }
        }
    }
    tx.commit().await?;
    let mut levels: Vec<StockLevel> = Vec::new();
    for take in takes {
        let stock = left
            .iter()
            .find(|(v, _)| *v == take.variant_id)
            .map_or(0, |(_, s)| *s);
        let delta = -i64::from(take.quantity);
        match levels
            .iter_mut()
            .find(|l| l.sku == take.line.sku && l.product_id == take.line.product_id)
        {
            Some(seen) => seen.delta += delta,
            None => levels.push(StockLevel {
                product_id: take.line.product_id,
                variant_id: take.line.variant_id,
                sku: take.line.sku,
                stock: u32::try_from(stock).unwrap_or(0),
                delta,
            }),
        }
    }
    Ok(Some(Reserved { reply, levels }))
}

/// Gives the stock of a reservation back. Returns the new levels, empty
/// when it was already released or never made.
#[tracing::instrument(skip_all, fields(tenant = %tenant, reservation = reservation_id))]
pub async fn release(
    pool: &PgPool,
    tenant: &TenantId,
    reservation_id: &str,
    reason: ReleaseReason,
) -> Result<Vec<StockLevel>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let reason = serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let released = sqlx::query!(
        "update reservation set status = 'released', release_reason = $3, updated_at = now() \
         where tenant_id = $1 and id = $2 and status = 'reserved'",
        tenant.as_str(),
        reservation_id,
        &reason
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !released {
        tx.rollback().await?;
        return Ok(vec![]);
    }
    let rows = sqlx::query!(
        r#"with back as (
            select variant_id, sum(quantity)::bigint as quantity from reservation_line
            where tenant_id = $1 and reservation_id = $2 group by variant_id
         )
         update variant v set stock = v.stock + back.quantity, updated_at = now()
         from back where v.id = back.variant_id and v.tenant_id = $1
         returning v.product_id, v.id, v.sku, v.is_default, v.stock, back.quantity as "quantity!""#,
        tenant.as_str(),
        reservation_id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| StockLevel {
            product_id: row.product_id.to_string(),
            variant_id: (!row.is_default).then(|| row.id.to_string()),
            sku: row.sku,
            stock: u32::try_from(row.stock).unwrap_or(0),
            delta: row.quantity,
        })
        .collect())
}

/// How to change the stock of one variant, named by its SKU.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// The variant's SKU (a product's SKU for a product without variants).
    pub sku: String,
    /// Units to add (negative to remove); exclusive with `set`.
    #[serde(default)]
    pub delta: Option<i32>,
    /// New stock; exclusive with `delta`.
    #[serde(default)]
    pub set: Option<u32>,
}

/// Why an adjustment could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum AdjustError {
    /// No such SKU in the tenant's brand.
    #[error("no variant with SKU {0:?}")]
    UnknownSku(String),
    /// The stock would go below zero.
    #[error("stock of {0:?} cannot go below zero")]
    Negative(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Applies `adjustments` to `brand` of `tenant`, all or none; returns the
/// new levels.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn adjust(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
    adjustments: &[Adjustment],
) -> Result<Vec<StockLevel>, AdjustError> {
    let mut tx = pool.begin().await?;
    let mut levels = Vec::new();
    for adjustment in adjustments {
        let row = sqlx::query!(
            "select v.product_id, v.id, v.is_default, v.stock from variant v \
             join product p on p.id = v.product_id \
             where v.tenant_id = $1 and p.tenant_id = $1 and p.brand_id = $2 and v.sku = $3 \
             for update of v",
            tenant.as_str(),
            brand.as_str(),
            &adjustment.sku
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(AdjustError::UnknownSku(adjustment.sku.clone()));
        };
        let (product_id, variant_id, is_default, old) =
            (row.product_id, row.id, row.is_default, row.stock);
        let new = match (adjustment.set, adjustment.delta) {
            (Some(set), _) => i64::from(set),
            (None, delta) => i64::from(old) + i64::from(delta.unwrap_or(0)),
        };
        let new = i32::try_from(new)
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AdjustError::Negative(adjustment.sku.clone()))?;
        sqlx::query!(
            "update variant set stock = $2, updated_at = now() where id = $1",
            variant_id,
            new
        )
        .execute(&mut *tx)
        .await?;
        levels.push(StockLevel {
            product_id: product_id.to_string(),
            variant_id: (!is_default).then(|| variant_id.to_string()),
            sku: adjustment.sku.clone(),
            stock: u32::try_from(new).unwrap_or(0),
            delta: i64::from(new) - i64::from(old),
        });
    }
    tx.commit().await?;
    Ok(levels)
}
