//! Orders: a seller's request to place one, and the order processor's
//! outcome and lifecycle events.
//!
//! A request names items by product id and quantity only; prices, totals and
//! stock are decided by the order processor from the catalog, never taken
//! from the seller (whose words come from an LLM).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{Channel, Customer, Money, OrderStatus};
use crate::EventData;

/// `store.order.create`: place an order for a shopper.
///
/// Self-contained: everything the order needs is here, nothing is read from
/// the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreate {
    /// Who orders.
    pub customer: Customer,
    /// What, at least one item.
    pub items: Vec<OrderItem>,
    /// Where to deliver; absent for pick-up or digital goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Payment method the shopper chose (`pix`, `card`, `cash_on_delivery`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Note from the shopper for the shop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Channel the shopper ordered on, so the order processor can tell them
    /// how their order moves (`store.chat.response`); without it the
    /// shopper is not told directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

impl EventData for OrderCreate {
    const TYPE: &'static str = "store.order.create";
}

/// One item of an [`OrderCreate`]. Deliberately without any price: the
/// schema refuses unknown fields here, so a price cannot slip through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    /// Catalog product id.
    pub product_id: String,
    /// Variant id, for a product with variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Units, at least 1.
    pub quantity: u32,
}

/// Delivery details of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Name of the person receiving it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number for the carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Street address, one line per entry.
    #[serde(default)]
    pub address_lines: Vec<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country, preferably an ISO 3166-1 alpha-2 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Instructions for the carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `store.order.created`: the order was placed, with authoritative prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreated {
    /// Our order id.
    pub order_id: String,
    /// Number to show the shopper, e.g. `FA-1042`.
    pub order_number: String,
    /// Priced lines, in the order of the request's items.
    pub lines: Vec<OrderLine>,
    /// Sum of the lines' totals.
    pub subtotal: Money,
    /// Delivery fee, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_fee: Option<Money>,
    /// What the shopper pays.
    pub total: Money,
    /// Status right after placing (usually `pending_payment`).
    pub status: OrderStatus,
    /// How to pay.
    pub payment: Payment,
}

impl EventData for OrderCreated {
    const TYPE: &'static str = "store.order.created";
}

/// One priced line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// Catalog product id.
    pub product_id: String,
    /// Variant id, for a product with variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Stock-keeping unit.
    pub sku: String,
    /// Product name at the time of ordering.
    pub name: String,
    /// Units, at least 1.
    pub quantity: u32,
    /// Price of one unit, from the catalog.
    pub unit_price: Money,
    /// `unit_price` × `quantity`.
    pub line_total: Money,
}

/// How the shopper pays for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// Payment provider (`stripe`, `mercadopago`, `manual`, …).
    pub provider: String,
    /// Link to a payment page, when the provider has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// `store.order.rejected`: the order was not placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRejected {
    /// What was wrong with which item; may be empty when the whole order was
    /// refused (then `message` says why).
    pub reasons: Vec<RejectedItem>,
    /// Explanation for the seller to pass on to the shopper.
    pub message: String,
}

impl EventData for OrderRejected {
    const TYPE: &'static str = "store.order.rejected";
}

/// Why one item of an [`OrderCreate`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedItem {
    /// Index (from 0) of the item in the request's `items`.
    pub line: u32,
    /// The item's product id.
    pub product_id: String,
    /// The item's variant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// What was wrong.
    pub reason: RejectionReason,
    /// Units available, for `out_of_stock` and `quantity_limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<u32>,
    /// More detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What was wrong with an ordered item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// No such product or variant in the brand's catalog.
    UnknownItem,
    /// Not enough stock.
    OutOfStock,
    /// The product is not for sale now.
    Inactive,
    /// More units than one order may hold.
    QuantityLimit,
    /// The item is malformed (e.g. quantity 0).
    Invalid,
}

/// `store.order.status.changed`: an order moved in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatusChanged {
    /// Our order id.
    pub order_id: String,
    /// Number shown to the shopper.
    pub order_number: String,
    /// Status before.
    pub from: OrderStatus,
    /// Status now.
    pub to: OrderStatus,
    /// Why, e.g. `payment confirmed by stripe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Carrier tracking number, once shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// When it changed.
    pub changed_at: DateTime<Utc>,
}

impl EventData for OrderStatusChanged {
    const TYPE: &'static str = "store.order.status.changed";
}

/// `store.order.cancel` (request): cancel an order on the shop's behalf (a
/// human seller from the inbox). The order processor applies its own rules
/// (only an order not yet shipped can be cancelled; its stock is released)
/// and answers [`OrderCancelResult`] on the request's `reply_to`; the
/// cancellation itself is announced as [`OrderStatusChanged`] as always.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancel {
    /// Number shown to the shopper (e.g. `FA-1001`).
    pub order_number: String,
    /// Who asks, for the order's history (a human seller's name).
    pub requested_by: String,
    /// Why, told to the shopper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl EventData for OrderCancel {
    const TYPE: &'static str = "store.order.cancel";
}

/// `store.order.cancel.result`: what became of a [`OrderCancel`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelResult {
    /// The order number asked about.
    pub order_number: String,
    /// What happened.
    pub outcome: CancelOutcome,
    /// The order's status after the request, when the order exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
}

impl EventData for OrderCancelResult {
    const TYPE: &'static str = "store.order.cancel.result";
}

/// Outcome of an [`OrderCancel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelOutcome {
    /// Cancelled now.
    Cancelled,
    /// It was already cancelled (or expired): nothing changed.
    AlreadyCancelled,
    /// Its status does not allow it (shipped, delivered).
    NotCancellable,
    /// No such order in the tenant and brand.
    NotFound,
}
