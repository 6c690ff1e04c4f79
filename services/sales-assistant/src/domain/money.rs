//! Money as people read it: minor units with the currency's exponent
//! (`1250 EUR` → `12.50 EUR`), for prices the catalog and the order
//! processor give (the inbox never makes up a price).

use store_events::data::Money;

/// Decimal places of a currency's minor unit (ISO 4217).
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `1250 EUR` → `12.50 EUR`.
pub fn format(money: &Money) -> String {
    let currency = money.currency.as_str();
    let exp = exponent(currency);
    let sign = if money.amount_minor < 0 { "-" } else { "" };
    let abs = money.amount_minor.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs} {currency}");
    }
    let unit = 10u64.pow(exp);
    format!(
        "{sign}{}.{:0width$} {currency}",
        abs / unit,
        abs % unit,
        width = exp as usize
    )
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
