//! `storectl order`: a tenant's orders from the order processor's API
//! (`Authorization: Bearer <the tenant's API key>`), as a readable summary
//! or the API's own JSON.

use std::fmt::Write as _;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    UsageError,
    http_error::Service,
    keyed::{KeySource, KeyedApi},
    webhook::url_segment,
};

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// One order, by id (a UUID) or number.
    One(String),
    /// A shopper's orders.
    Customer(String),
}

impl Query {
    fn path(&self) -> String {
        match self {
            Self::One(key) if uuid::Uuid::parse_str(key).is_ok() => {
                format!("/api/v1/orders/{}", url_segment(key))
            }
            Self::One(number) => format!("/api/v1/orders/by-number/{}", url_segment(number)),
            Self::Customer(id) => format!("/api/v1/customers/{}/orders", url_segment(id)),
        }
    }
}

/// The order processor's API with a tenant's key.
#[derive(Debug, Clone)]
pub struct OrdersClient(KeyedApi);

/// Where the order processor's keys come from.
pub const ORDERS_KEY: KeySource = KeySource {
    env: "STORE_ORDERS_API_KEY",
    saved_in: ".run/orders-api-keys.json",
};

impl OrdersClient {
    /// A client for `tenant`; the key is required.
    pub fn new(base: &str, tenant: &str, api_key: Option<String>) -> Result<Self, UsageError> {
        KeyedApi::new(Service::orders(base), tenant, api_key, ORDERS_KEY).map(Self)
    }

    /// The API's JSON for `query`.
    pub async fn fetch(&self, query: &Query) -> anyhow::Result<Value> {
        let api = &self.0;
        let what = match query {
            Query::One(_) => "reading the order",
            Query::Customer(_) => "listing orders",
        };
        api.send(api.get(&query.path()), what, |status, _| {
            match (status, query) {
                (StatusCode::NOT_FOUND, Query::One(key)) => Some(anyhow::anyhow!(
                    "order {key:?} not found in tenant {:?} (the API key decides the tenant)",
                    api.tenant
                )),
                _ => None,
            }
        })
        .await
    }
}

/// An amount in minor units.
#[derive(Debug, Clone, Deserialize)]
pub struct Money {
    /// Minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let decimals = minor_digits(&self.currency);
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        if decimals == 0 {
            write!(f, "{sign}{abs} {}", self.currency)
        } else {
            let scale = 10u64.pow(decimals);
            write!(
                f,
                "{sign}{}.{:0width$} {}",
                abs / scale,
                abs % scale,
                self.currency,
                width = decimals as usize
            )
        }
    }
}

/// Digits after the point of a currency (ISO 4217 exponent).
fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

#[derive(Debug, Deserialize)]
struct Line {
    sku: String,
    name: String,
    quantity: u32,
    unit_price: Money,
    line_total: Money,
}

#[derive(Debug, Deserialize)]
struct Customer {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Payment {
    provider: String,
    #[serde(default)]
    link: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Order {
    id: String,
    order_number: String,
    brand: String,
    status: String,
    customer: Customer,
    lines: Vec<Line>,
    subtotal: Money,
    #[serde(default)]
    delivery_fee: Option<Money>,
    total: Money,
    payment: Payment,
    #[serde(default)]
    tracking_number: Option<String>,
    created_at: String,
}

#[derive(Debug, Deserialize)]
struct OrderList {
    orders: Vec<Order>,
    total: i64,
}

/// A readable summary of the API's answer to `query`.
pub fn summarize(query: &Query, json: &Value) -> String {
    let summary = match query {
        Query::One(_) => serde_json::from_value::<Order>(json.clone())
            .map(|order| describe_order(&order))
            .ok(),
        Query::Customer(customer) => serde_json::from_value::<OrderList>(json.clone())
            .map(|list| describe_list(customer, &list))
            .ok(),
    };
    // An answer of another shape is still shown.
    summary.unwrap_or_else(|| format!("{json:#}\n"))
}

fn describe_order(order: &Order) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Order {}  [{}]  brand {}",
        order.order_number, order.status, order.brand
    );
    let _ = writeln!(out, "  id        {}", order.id);
    let _ = writeln!(
        out,
        "  customer  {}{}",
        order.customer.id,
        order
            .customer
            .display_name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "  placed    {}", order.created_at);
    let _ = writeln!(out, "  lines:");
    for line in &order.lines {
        let _ = writeln!(
            out,
            "    {} × {} ({}) at {} = {}",
            line.quantity, line.name, line.sku, line.unit_price, line.line_total
        );
    }
    let _ = writeln!(out, "  subtotal  {}", order.subtotal);
    if let Some(fee) = &order.delivery_fee {
        let _ = writeln!(out, "  delivery  {fee}");
    }
    let _ = writeln!(out, "  total     {}", order.total);
    let _ = writeln!(
        out,
        "  payment   {}{}",
        order.payment.provider,
        order
            .payment
            .link
            .as_ref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default()
    );
    if let Some(tracking) = &order.tracking_number {
        let _ = writeln!(out, "  tracking  {tracking}");
    }
    out
}

fn describe_list(customer: &str, list: &OrderList) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} order(s) of customer {customer}", list.total);
    for order in &list.orders {
        let items: u32 = order.lines.iter().map(|l| l.quantity).sum();
        let _ = writeln!(
            out,
            "  {:<12} {:<16} {:>16}  {} item(s)  {}",
            order.order_number,
            order.status,
            order.total.to_string(),
            items,
            order.created_at
        );
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn money_is_shown_in_major_units() {
        let m = |amount_minor, currency: &str| Money {
            amount_minor,
            currency: currency.to_owned(),
        };
        assert_eq!(m(5990, "EUR").to_string(), "59.90 EUR");
        assert_eq!(m(5, "USD").to_string(), "0.05 USD");
        assert_eq!(m(-250, "BRL").to_string(), "-2.50 BRL");
        assert_eq!(m(1200, "JPY").to_string(), "1200 JPY");
    }

    #[test]
    fn ids_and_numbers_take_different_routes() {
        let id = "0195f3a2-7c1e-7d42-9a8b-1c2d3e4f5a6b";
        assert_eq!(Query::One(id.into()).path(), format!("/api/v1/orders/{id}"));
        assert_eq!(
            Query::One("SH-1001".into()).path(),
            "/api/v1/orders/by-number/SH-1001"
        );
    }
}
