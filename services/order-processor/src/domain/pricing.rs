//! Pricing an order from the catalog's reserved lines: line totals,
//! subtotal, delivery fee and total, all in one currency, in minor units,
//! with overflow checked. Nothing here comes from the request.

use store_events::data::{Money, OrderLine, ReservedLine};

/// The priced order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    /// Lines with their totals, in request order.
    pub lines: Vec<OrderLine>,
    /// Sum of the line totals.
    pub subtotal: Money,
    /// Delivery fee, if any.
    pub delivery_fee: Option<Money>,
    /// What the shopper pays.
    pub total: Money,
}

/// Why an order cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// The order has no lines.
    #[error("an order needs at least one line")]
    Empty,
    /// Lines (or the fee) are in different currencies.
    #[error("the order mixes currencies {0} and {1}")]
    MixedCurrencies(String, String),
    /// An amount does not fit.
    #[error("the order's amounts overflow")]
    Overflow,
}

/// Prices `lines` (from the catalog's reservation) plus `delivery_fee`.
pub fn price(lines: &[ReservedLine], delivery_fee: Option<Money>) -> Result<Priced, PricingError> {
    let first = lines.first().ok_or(PricingError::Empty)?;
    let currency = first.unit_price.currency.clone();
    let mut subtotal: i64 = 0;
    let mut priced = Vec::with_capacity(lines.len());
    for line in lines {
        if line.unit_price.currency != currency {
            return Err(PricingError::MixedCurrencies(
                currency.to_string(),
                line.unit_price.currency.to_string(),
            ));
        }
        let line_total = line
            .unit_price
            .amount_minor
            .checked_mul(i64::from(line.quantity))
            .ok_or(PricingError::Overflow)?;
        subtotal = subtotal
            .checked_add(line_total)
            .ok_or(PricingError::Overflow)?;
        priced.push(OrderLine {
            product_id: line.product_id.clone(),
            variant_id: line.variant_id.clone(),
            sku: line.sku.clone(),
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price: line.unit_price.clone(),
            line_total: Money::new(line_total, currency.clone()),
        });
    }
    let mut total = subtotal;
    if let Some(fee) = &delivery_fee {
        if fee.currency != currency {
            return Err(PricingError::MixedCurrencies(
                currency.to_string(),
                fee.currency.to_string(),
            ));
        }
        total = total
            .checked_add(fee.amount_minor)
            .ok_or(PricingError::Overflow)?;
    }
    Ok(Priced {
        lines: priced,
        subtotal: Money::new(subtotal, currency.clone()),
        delivery_fee,
        total: Money::new(total, currency),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use store_events::data::Currency;

    use super::*;

    fn money(amount: i64, currency: &str) -> Money {
        Money::new(amount, Currency::parse(currency).unwrap())
    }

    fn line(price: Money, quantity: u32) -> ReservedLine {
        ReservedLine {
            product_id: "p".into(),
            variant_id: None,
            sku: "S".into(),
            name: "N".into(),
            quantity,
            unit_price: price,
        }
    }

    #[test]
    fn given_lines_and_a_fee_when_priced_then_totals_add_up() {
        let priced = price(
            &[line(money(19990, "BRL"), 2), line(money(990, "BRL"), 3)],
            Some(money(1500, "BRL")),
        )
        .unwrap();

        assert_eq!(priced.lines[0].line_total, money(39980, "BRL"));
        assert_eq!(priced.lines[1].line_total, money(2970, "BRL"));
        assert_eq!(priced.subtotal, money(42950, "BRL"));
        assert_eq!(priced.total, money(44450, "BRL"));
    }

    #[test]
    fn mixed_currencies_overflow_and_empty_orders_are_refused() {
        assert_eq!(
            price(&[line(money(1, "BRL"), 1), line(money(1, "EUR"), 1)], None),
            Err(PricingError::MixedCurrencies("BRL".into(), "EUR".into()))
        );
        assert_eq!(
            price(&[line(money(i64::MAX, "EUR"), 2)], None),
            Err(PricingError::Overflow)
        );
        assert_eq!(price(&[], None), Err(PricingError::Empty));
        assert!(price(&[line(money(1, "EUR"), 1)], Some(money(1, "USD"))).is_err());
    }
}
