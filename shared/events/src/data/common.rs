//! Value types shared by several event types: money, channels, customers,
//! order statuses and the error of a reply.
//!
//! Their JSON Schemas live in `proto-events/schemas/common.v1.json` under
//! `$defs`. Like every nested object of an event's data, they are closed:
//! an unknown field is an error, both here and in the schema.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("currency {0:?} is not an ISO 4217 code (three uppercase ASCII letters)")]
pub struct CurrencyError(pub String);

/// An ISO 4217 currency code: three uppercase ASCII letters, e.g. `EUR`.
///
/// Only the shape is checked, not membership of the ISO list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// Parses a currency code.
    pub fn parse(value: impl AsRef<str>) -> Result<Self, CurrencyError> {
        let value = value.as_ref();
        if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(CurrencyError(value.to_owned()))
        }
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount of money in the minor unit of its currency (cents for EUR,
/// whole yen for JPY). Never a float.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount in minor units; negative only for refunds and discounts.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: Currency,
}

impl Money {
    /// An amount of `amount_minor` minor units of `currency`.
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }
}

impl Currency {
    /// Decimal places of the currency's minor unit (ISO 4217): 2 for most,
    /// 0 for JPY and the like, 3 for the dinars.
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

/// As people read it: `1250 EUR` → `12.50 EUR`, `1200 JPY` → `1200 JPY`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let currency = self.currency.as_str();
        let exp = self.currency.exponent();
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        if exp == 0 {
            return write!(f, "{sign}{abs} {currency}");
        }
        let unit = 10u64.pow(exp);
        write!(
            f,
            "{sign}{}.{:0width$} {currency}",
            abs / unit,
            abs % unit,
            width = exp as usize
        )
    }
}

/// A chat channel a shopper talks to a brand through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// WhatsApp Business (Cloud API).
    Whatsapp,
    /// Telegram Bot API.
    Telegram,
    /// The brand's own web chat widget.
    Webchat,
}

/// The shopper, as far as the channel tells us.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// Stable id of the shopper within the tenant and channel (WhatsApp
    /// `wa_id`, Telegram user id, web chat visitor id).
    pub id: String,
    /// Name the shopper shows on the channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Phone number in E.164 form, when the channel gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Preferred language as a BCP 47 tag (`pt-BR`, `en`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl Customer {
    /// A customer known only by id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

/// Where an order stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed, waiting for the shopper to pay.
    PendingPayment,
    /// Paid.
    Paid,
    /// Picked and packed.
    Fulfilled,
    /// Handed to the carrier.
    Shipped,
    /// Received by the shopper.
    Delivered,
    /// Cancelled by the shopper, the shop or a rule.
    Cancelled,
    /// Not paid in time.
    Expired,
}

/// Why a request could not be answered, carried in a reply event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `unavailable`, `bad_request`.
    pub code: String,
    /// Human-readable explanation, safe to log (no secrets, no internals).
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_is_three_uppercase_letters() {
        assert_eq!(
            Currency::parse("BRL").map(String::from),
            Ok("BRL".to_owned())
        );
        for bad in ["eur", "EU", "EURO", "E1R", ""] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn money_refuses_a_bad_currency_when_decoded() {
        let result = serde_json::from_str::<Money>(r#"{"amount_minor":100,"currency":"usd"}"#);
        assert!(result.is_err());
    }
}
