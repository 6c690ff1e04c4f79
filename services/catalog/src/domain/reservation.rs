//! The reservation decision: given the items of an order and the current
//! rows of the variants they name, either every line can be reserved (and is
//! priced from the catalog) or nothing is, with a reason per refused line.

use std::collections::HashMap;

use store_events::data::{Currency, Money, OrderItem, RejectedItem, RejectionReason, ReservedLine};
use uuid::Uuid;

/// The catalog's current view of one variant of a requested product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRow {
    /// Product id.
    pub product_id: Uuid,
    /// Product name.
    pub product_name: String,
    /// Product for sale.
    pub product_active: bool,
    /// Product's most units per order.
    pub max_per_order: Option<u32>,
    /// Product price in minor units.
    pub price_minor: i64,
    /// Product currency.
    pub currency: Currency,
    /// Variant id.
    pub variant_id: Uuid,
    /// Variant SKU.
    pub sku: String,
    /// Variant name (empty for the default variant).
    pub variant_name: String,
    /// Variant for sale.
    pub variant_active: bool,
    /// The product's implicit only variant.
    pub is_default: bool,
    /// Variant's own price.
    pub variant_price_minor: Option<i64>,
    /// Units in stock.
    pub stock: u32,
}

/// One line to take from stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Take {
    /// Variant to decrement.
    pub variant_id: Uuid,
    /// Units.
    pub quantity: u32,
    /// The priced line for the reply.
    pub line: ReservedLine,
}

/// What to do with a reservation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Take these, in item order.
    Reserve(Vec<Take>),
    /// Take nothing, for these reasons.
    Refuse(Vec<RejectedItem>),
}

/// Decides a reservation of `items` against `rows` (every variant of every
/// requested product of the brand), with `max_per_line` the platform's cap.
pub fn decide(items: &[OrderItem], rows: &[StockRow], max_per_line: u32) -> Decision {
    let mut refusals = Vec::new();
    let mut takes: Vec<(u32, Take)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let line = u32::try_from(index).unwrap_or(u32::MAX);
        let refuse = |reason, available, detail: Option<&str>| RejectedItem {
            line,
            product_id: item.product_id.clone(),
            variant_id: item.variant_id.clone(),
            reason,
            available,
            detail: detail.map(str::to_owned),
        };
        match resolve(item, rows) {
            Err((reason, detail)) => refusals.push(refuse(reason, None, detail)),
            Ok(_) if item.quantity == 0 => {
                refusals.push(refuse(
                    RejectionReason::Invalid,
                    None,
                    Some("quantity is 0"),
                ));
            }
            Ok(row) if !row.product_active || !row.variant_active => {
                refusals.push(refuse(RejectionReason::Inactive, None, None));
            }
            Ok(row) => {
                let limit = row.max_per_order.unwrap_or(max_per_line).min(max_per_line);
                if item.quantity > limit {
                    refusals.push(refuse(RejectionReason::QuantityLimit, Some(limit), None));
                } else {
                    takes.push((line, take(row, item.quantity)));
                }
            }
        }
    }
    // Several lines may draw on the same variant: check their sum.
    let mut wanted: HashMap<Uuid, u64> = HashMap::new();
    for (_, take) in &takes {
        *wanted.entry(take.variant_id).or_default() += u64::from(take.quantity);
    }
    for (line, take) in &takes {
        let stock = rows
            .iter()
            .find(|r| r.variant_id == take.variant_id)
            .map_or(0, |r| r.stock);
        if wanted[&take.variant_id] > u64::from(stock) {
            refusals.push(RejectedItem {
                line: *line,
                product_id: items[*line as usize].product_id.clone(),
                variant_id: items[*line as usize].variant_id.clone(),
                reason: RejectionReason::OutOfStock,
                available: Some(stock),
                detail: None,
            });
        }
    }
    if refusals.is_empty() {
        Decision::Reserve(takes.into_iter().map(|(_, take)| take).collect())
    } else {
        refusals.sort_by_key(|r| r.line);
        Decision::Refuse(refusals)
    }
}

/// The variant an item names, or why it names none.
fn resolve<'a>(
    item: &OrderItem,
    rows: &'a [StockRow],
) -> Result<&'a StockRow, (RejectionReason, Option<&'static str>)> {
    let unknown = (RejectionReason::UnknownItem, None);
    let product_id = Uuid::parse_str(&item.product_id).map_err(|_| unknown)?;
    let mut variants = rows
        .iter()
        .filter(|r| r.product_id == product_id)
        .peekable();
    if variants.peek().is_none() {
        return Err(unknown);
    }
    match &item.variant_id {
        Some(variant_id) => {
            let variant_id = Uuid::parse_str(variant_id).map_err(|_| unknown)?;
            variants.find(|r| r.variant_id == variant_id).ok_or(unknown)
        }
        None => {
            let all: Vec<&StockRow> = variants.collect();
            match all.as_slice() {
                [only] => Ok(*only),
                _ => Err((
                    RejectionReason::Invalid,
                    Some("the product has variants: name one"),
                )),
            }
        }
    }
}

fn take(row: &StockRow, quantity: u32) -> Take {
    let name = if row.variant_name.is_empty() {
        row.product_name.clone()
    } else {
        format!("{} ({})", row.product_name, row.variant_name)
    };
    Take {
        variant_id: row.variant_id,
        quantity,
        line: ReservedLine {
            product_id: row.product_id.to_string(),
            variant_id: (!row.is_default).then(|| row.variant_id.to_string()),
            sku: row.sku.clone(),
            name,
            quantity,
            unit_price: Money::new(
                row.variant_price_minor.unwrap_or(row.price_minor),
                row.currency.clone(),
            ),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(product: u128, variant: u128, stock: u32) -> StockRow {
        StockRow {
            product_id: Uuid::from_u128(product),
            product_name: format!("P{product}"),
            product_active: true,
            max_per_order: None,
            price_minor: 1000,
            currency: Currency::parse("EUR").unwrap(),
            variant_id: Uuid::from_u128(variant),
            sku: format!("SKU-{variant}"),
            variant_name: String::new(),
            variant_active: true,
            is_default: true,
            variant_price_minor: None,
            stock,
        }
    }

    fn item(product: u128, variant: Option<u128>, quantity: u32) -> OrderItem {
        OrderItem {
            product_id: Uuid::from_u128(product).to_string(),
            variant_id: variant.map(|v| Uuid::from_u128(v).to_string()),
            quantity,
        }
    }

    fn reasons(decision: Decision) -> Vec<(u32, RejectionReason, Option<u32>)> {
        match decision {
            Decision::Refuse(r) => r.iter().map(|r| (r.line, r.reason, r.available)).collect(),
            Decision::Reserve(t) => panic!("reserved {t:?}"),
        }
    }

    #[test]
    fn given_enough_stock_when_reserving_then_lines_are_priced_from_the_catalog() {
        let mut sized = row(2, 20, 5);
        sized.is_default = false;
        sized.variant_name = "M".into();
        sized.variant_price_minor = Some(1500);
        let rows = [row(1, 10, 3), sized];

        let decision = decide(&[item(1, None, 2), item(2, Some(20), 1)], &rows, 100);

        let Decision::Reserve(takes) = decision else {
            panic!("refused")
        };
        assert_eq!(takes[0].line.unit_price.amount_minor, 1000);
        assert_eq!(takes[0].line.variant_id, None);
        assert_eq!(takes[1].line.unit_price.amount_minor, 1500);
        assert_eq!(takes[1].line.name, "P2 (M)");
        assert_eq!(
            takes[1].line.variant_id,
            Some(Uuid::from_u128(20).to_string())
        );
    }

    #[test]
    fn given_two_lines_on_one_variant_when_their_sum_exceeds_stock_then_both_are_refused() {
        let rows = [row(1, 10, 3)];

        let decision = decide(&[item(1, None, 2), item(1, Some(10), 2)], &rows, 100);

        assert_eq!(
            reasons(decision),
            [
                (0, RejectionReason::OutOfStock, Some(3)),
                (1, RejectionReason::OutOfStock, Some(3))
            ]
        );
    }

    #[test]
    fn every_bad_line_gets_its_reason() {
        let mut inactive = row(2, 20, 9);
        inactive.product_active = false;
        let mut limited = row(3, 30, 9);
        limited.max_per_order = Some(2);
        let mut a = row(4, 40, 9);
        a.is_default = false;
        let mut b = row(4, 41, 9);
        b.is_default = false;
        let rows = [inactive, limited, a, b, row(5, 50, 9)];
        let bad_id = OrderItem {
            product_id: "not-a-uuid".into(),
            variant_id: None,
            quantity: 1,
        };

        let decision = decide(
            &[
                item(9, None, 1),
                item(2, None, 1),
                item(3, None, 3),
                item(4, None, 1),
                item(5, None, 0),
                bad_id,
                item(5, Some(99), 1),
            ],
            &rows,
            100,
        );

        assert_eq!(
            reasons(decision),
            [
                (0, RejectionReason::UnknownItem, None),
                (1, RejectionReason::Inactive, None),
                (2, RejectionReason::QuantityLimit, Some(2)),
                (3, RejectionReason::Invalid, None),
                (4, RejectionReason::Invalid, None),
                (5, RejectionReason::UnknownItem, None),
                (6, RejectionReason::UnknownItem, None),
            ]
        );
    }

    #[test]
    fn the_platform_cap_applies_when_the_product_sets_none() {
        assert_eq!(
            reasons(decide(&[item(1, None, 11)], &[row(1, 10, 50)], 10)),
            [(0, RejectionReason::QuantityLimit, Some(10))]
        );
    }
}
