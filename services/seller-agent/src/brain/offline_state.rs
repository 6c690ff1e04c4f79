//! What the offline seller remembers between messages of a conversation
//! (kept as the turn's brain state): the products it showed last, in order,
//! and an order waiting for the shopper's yes or no. Below both the offline
//! brain ([`super::offline`]) and its understanding of a message
//! (`intent`), which reads it.

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
}

/// An order proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The product.
    pub item: Shown,
    /// How many.
    pub quantity: u32,
}
