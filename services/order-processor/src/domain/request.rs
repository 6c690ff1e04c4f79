//! Checking an order request before asking the catalog: items present, not
//! too many, quantities at least 1; and choosing the payment provider.

use store_events::data::{OrderCreate, RejectedItem, RejectionReason};

/// Most items one order may hold.
pub const MAX_ITEMS: usize = 50;

/// Why a request is refused before the catalog is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Per-item reasons (may be empty).
    pub reasons: Vec<RejectedItem>,
    /// For the shopper.
    pub message: String,
}

/// Checks the shape of `request`.
pub fn check(request: &OrderCreate) -> Result<(), Refusal> {
    if request.items.is_empty() {
        return Err(Refusal {
            reasons: vec![],
            message: "The order has no items.".to_owned(),
        });
    }
    if request.items.len() > MAX_ITEMS {
        return Err(Refusal {
            reasons: vec![],
            message: format!("An order may hold at most {MAX_ITEMS} items."),
        });
    }
    let reasons: Vec<RejectedItem> = request
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.quantity == 0 || item.product_id.trim().is_empty())
        .map(|(line, item)| RejectedItem {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            product_id: item.product_id.clone(),
            variant_id: item.variant_id.clone(),
            reason: RejectionReason::Invalid,
            available: None,
            detail: Some(if item.quantity == 0 {
                "quantity must be at least 1".to_owned()
            } else {
                "product_id is empty".to_owned()
            }),
        })
        .collect();
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(Refusal {
            reasons,
            message: "Some items are not valid.".to_owned(),
        })
    }
}

/// The shopper's message for a refusal with per-item reasons.
pub fn refusal_message(reasons: &[RejectedItem]) -> String {
    let out_of_stock = reasons
        .iter()
        .any(|r| r.reason == RejectionReason::OutOfStock);
    if out_of_stock {
        "Some items are out of stock or not available in that quantity.".to_owned()
    } else {
        "Some items cannot be ordered.".to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use store_events::data::{Customer, OrderItem};

    use super::*;

    fn request(items: Vec<OrderItem>) -> OrderCreate {
        OrderCreate {
            customer: Customer::new("c1"),
            items,
            delivery: None,
            payment_method: None,
            note: None,
            channel: None,
        }
    }

    fn item(quantity: u32) -> OrderItem {
        OrderItem {
            product_id: "p1".into(),
            variant_id: None,
            quantity,
        }
    }

    #[test]
    fn a_well_formed_request_passes() {
        assert!(check(&request(vec![item(1), item(3)])).is_ok());
    }

    #[test]
    fn empty_oversized_and_zero_quantity_requests_are_refused() {
        assert!(check(&request(vec![])).unwrap_err().reasons.is_empty());
        assert!(check(&request(vec![item(1); MAX_ITEMS + 1])).is_err());
        let refusal = check(&request(vec![item(1), item(0)])).unwrap_err();
        assert_eq!(refusal.reasons.len(), 1);
        assert_eq!(refusal.reasons[0].line, 1);
        assert_eq!(refusal.reasons[0].reason, RejectionReason::Invalid);
    }
}
