//! What the offline seller remembers between messages of a conversation
//! (kept as the turn's brain state): the products it showed last, in order,
//! the search that found them (for "show me more", "cheaper", sorting), an
//! order waiting for the shopper's yes or no, and the last order placed
//! (for "cancel it", "add one more", the payment link). Below both the
//! offline brain ([`super::offline`]) and its understanding of a message
//! (`intent`), which reads it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the offline seller remembers between messages of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OfflineState {
    /// The last products shown, in the order shown.
    #[serde(default)]
    pub shown: Vec<Shown>,
    /// An order waiting for the shopper's yes or no.
    #[serde(default)]
    pub pending: Option<Pending>,
    /// The search behind `shown`.
    #[serde(default)]
    pub search: Option<LastSearch>,
    /// The last order placed in this conversation.
    #[serde(default)]
    pub last_order: Option<LastOrder>,
    /// The seller asked which order to cancel: a bare order number answers it.
    #[serde(default)]
    pub awaiting_cancel: bool,
}

/// A product as it was shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    /// Product id.
    pub product_id: String,
    /// Variant id.
    pub variant_id: Option<String>,
    /// Name.
    pub name: String,
    /// Price as displayed.
    pub price: String,
    /// Price in minor units of the shop's currency.
    #[serde(default)]
    pub price_minor: i64,
    /// Units in stock when shown (unknown in state kept before it was
    /// remembered).
    #[serde(default)]
    pub stock: Option<u32>,
    /// Attributes (line, size, colour…) from the catalog.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Cheapest first.
    PriceAscending,
    /// Most expensive first.
    PriceDescending,
}

/// A catalog search as the offline seller ran it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LastSearch {
    /// Text sent to the catalog.
    pub query: String,
    /// Lowest price, minor units.
    #[serde(default)]
    pub price_min: Option<i64>,
    /// Highest price, minor units.
    #[serde(default)]
    pub price_max: Option<i64>,
    /// Attributes that must match (`size` → `42`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Ordering, when the shopper asked for one.
    #[serde(default)]
    pub sort: Option<Sort>,
    /// Results skipped before the first one shown.
    #[serde(default)]
    pub offset: u32,
}

/// An order proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The product.
    pub item: Shown,
    /// How many.
    pub quantity: u32,
    /// The order this one replaces (cancelled once this one is placed).
    #[serde(default)]
    pub replaces: Option<String>,
}

/// The last order placed in this conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastOrder {
    /// Its number (`FA-1001`).
    pub number: String,
    /// What was ordered.
    pub item: Shown,
    /// How many.
    pub quantity: u32,
}
