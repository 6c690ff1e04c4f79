//! Stock between the order processor and the catalog: reserving the items of
//! an order (request/reply, with the catalog's authoritative unit prices),
//! releasing a reservation (an expired or cancelled order), and the
//! catalog's notice that stock levels changed.
//!
//! The catalog owns products, prices and stock; the order processor never
//! reads the catalog's tables. A reservation is named by the id of the
//! `store.order.create` event it is for, so a redelivered order reserves
//! once, and is all-or-nothing: either every line is reserved and priced, or
//! nothing is and every refused line says why.

use serde::{Deserialize, Serialize};

use super::{
    common::{ErrorDetail, Money},
    order::{OrderItem, RejectedItem},
};
use crate::EventData;

/// `store.inventory.reserve`: reserve stock for the items of an order and
/// price them (request; answered by [`InventoryReservation`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryReserve {
    /// Idempotency key of the reservation: the id of the
    /// `store.order.create` event. Asking again with the same id returns the
    /// first answer and reserves nothing more.
    pub reservation_id: String,
    /// What to reserve, at least one item, in the order's item order.
    pub items: Vec<OrderItem>,
}

impl EventData for InventoryReserve {
    const TYPE: &'static str = "store.inventory.reserve";
}

/// Whether a reservation was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationOutcome {
    /// Every line is reserved and priced.
    Reserved,
    /// Nothing is reserved; `refusals` says why per line.
    Refused,
    /// The request could not be handled (malformed, missing brand);
    /// nothing is reserved and `error` says why.
    Failed,
}

/// One reserved and priced line of an [`InventoryReservation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservedLine {
    /// Catalog product id.
    pub product_id: String,
    /// Variant id, when the product has variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Stock-keeping unit of what was reserved.
    pub sku: String,
    /// Display name (product name, with the variant's name when it has one).
    pub name: String,
    /// Units reserved, at least 1.
    pub quantity: u32,
    /// Price of one unit now, from the catalog.
    pub unit_price: Money,
}

/// `store.inventory.reservation`: the catalog's answer to an
/// [`InventoryReserve`] (a reply: its `causationid` is the request's id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryReservation {
    /// The request's `reservation_id`.
    pub reservation_id: String,
    /// Reserved, refused or failed.
    pub outcome: ReservationOutcome,
    /// The reserved lines, in the request's item order; empty unless
    /// `reserved`.
    #[serde(default)]
    pub lines: Vec<ReservedLine>,
    /// Why lines were refused; empty unless `refused`.
    #[serde(default)]
    pub refusals: Vec<RejectedItem>,
    /// Why the request failed, for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

impl EventData for InventoryReservation {
    const TYPE: &'static str = "store.inventory.reservation";
}

/// Why a reservation is given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// The order was not paid in time.
    Expired,
    /// The order was cancelled.
    Cancelled,
    /// The order processor could not place the order after reserving.
    Abandoned,
}

/// `store.inventory.release`: give the stock of a reservation back.
/// Idempotent: releasing a released (or unknown) reservation changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRelease {
    /// The reservation, as named in its [`InventoryReserve`].
    pub reservation_id: String,
    /// Why.
    pub reason: ReleaseReason,
}

impl EventData for InventoryRelease {
    const TYPE: &'static str = "store.inventory.release";
}

/// What moved stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockChangeReason {
    /// An order reserved units.
    Reserved,
    /// A reservation was given back.
    Released,
    /// An operator adjusted stock (a delivery, a count, a loss).
    Adjusted,
    /// A bulk import set stock.
    Imported,
}

/// The new stock of one product variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockLevel {
    /// Catalog product id.
    pub product_id: String,
    /// Variant id, when the product has variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Stock-keeping unit.
    pub sku: String,
    /// Units available to sell now.
    pub stock: u32,
    /// Change in units (negative when units left).
    pub delta: i64,
}

/// `store.inventory.changed`: stock levels moved (after the change is
/// committed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryChanged {
    /// What moved it.
    pub reason: StockChangeReason,
    /// The reservation, for `reserved` and `released`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<String>,
    /// The new levels, at least one.
    pub items: Vec<StockLevel>,
}

impl EventData for InventoryChanged {
    const TYPE: &'static str = "store.inventory.changed";
}
