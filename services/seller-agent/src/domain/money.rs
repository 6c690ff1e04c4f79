//! Money as shoppers read it: minor units with the currency's exponent.

use store_events::data::Money;

/// Decimal places of a currency's minor unit (ISO 4217).
pub fn exponent(currency: &str) -> u32 {
    store_events::data::Currency::parse(currency).map_or(2, |c| c.exponent())
}

/// `1250 EUR` → `12.50 EUR` (the events' [`Money`] display).
pub fn format(money: &Money) -> String {
    money.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use store_events::data::Currency;

    use super::*;

    fn m(amount: i64, c: &str) -> Money {
        Money::new(amount, Currency::parse(c).unwrap())
    }

    #[test]
    fn formats_with_the_currency_exponent() {
        assert_eq!(format(&m(1250, "EUR")), "12.50 EUR");
        assert_eq!(format(&m(5, "USD")), "0.05 USD");
        assert_eq!(format(&m(1500, "JPY")), "1500 JPY");
        assert_eq!(format(&m(1234, "KWD")), "1.234 KWD");
        assert_eq!(format(&m(-300, "EUR")), "-3.00 EUR");
    }
}
