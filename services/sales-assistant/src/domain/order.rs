//! The rules about the shop's orders as the inbox records them: who closed
//! a sale, what an order's status means for the reports, and whether a
//! status change is newer than the one recorded.

use chrono::{DateTime, Utc};
use store_events::data::OrderStatus;

/// Who closed a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClosedBy {
    /// The AI seller alone: the conversation had no hand-off when the order
    /// was placed.
    Ai,
    /// A human: the order was placed in a conversation with a hand-off
    /// opened at or before that moment (open or resolved since; an order
    /// created from the inbox is always inside one).
    Human,
}

impl ClosedBy {
    /// The rule: a human closed it when the conversation was handed off at
    /// or before the order was placed.
    pub fn decide(handed_off_before: bool) -> Self {
        if handed_off_before {
            Self::Human
        } else {
            Self::Ai
        }
    }

    /// The name stored in `shop_order.closed_by`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ai => "ai",
            Self::Human => "human",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ai" => Some(Self::Ai),
            "human" => Some(Self::Human),
            _ => None,
        }
    }
}

/// The name of a status as the events and `shop_order.status` spell it.
pub fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "pending_payment",
        OrderStatus::Paid => "paid",
        OrderStatus::Fulfilled => "fulfilled",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Expired => "expired",
    }
}

/// What an order's status means for the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    /// Placed, not paid yet (`pending_payment`).
    Pending,
    /// Paid or further along (`paid`, `fulfilled`, `shipped`, `delivered`):
    /// its total is revenue.
    Paid,
    /// Cancelled or not paid in time (`cancelled`, `expired`).
    Lost,
}

impl Standing {
    /// The standing of a stored status name; an unknown name (a status the
    /// order processor added later) counts as pending, never as revenue.
    pub fn of(status: &str) -> Self {
        match status {
            "paid" | "fulfilled" | "shipped" | "delivered" => Self::Paid,
            "cancelled" | "expired" => Self::Lost,
            _ => Self::Pending,
        }
    }
}

/// Whether a status change of `changed_at` applies to an order whose
/// status last changed at `recorded` (none known: it applies). Changes at
/// the same instant apply in the order they are handled.
pub fn is_current(recorded: Option<DateTime<Utc>>, changed_at: DateTime<Utc>) -> bool {
    recorded.is_none_or(|recorded| changed_at >= recorded)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn a_sale_in_a_handed_off_conversation_is_closed_by_a_human() {
        assert_eq!(ClosedBy::decide(true), ClosedBy::Human);
        assert_eq!(ClosedBy::decide(false), ClosedBy::Ai);
        assert_eq!(
            ClosedBy::parse(ClosedBy::Human.as_str()),
            Some(ClosedBy::Human)
        );
        assert_eq!(ClosedBy::parse(ClosedBy::Ai.as_str()), Some(ClosedBy::Ai));
    }

    #[test]
    fn paid_and_later_statuses_are_revenue_cancelled_and_expired_are_lost() {
        let standing = |status| Standing::of(status_name(status));

        assert_eq!(standing(OrderStatus::PendingPayment), Standing::Pending);
        for paid in [
            OrderStatus::Paid,
            OrderStatus::Fulfilled,
            OrderStatus::Shipped,
            OrderStatus::Delivered,
        ] {
            assert_eq!(standing(paid), Standing::Paid, "{paid:?}");
        }
        assert_eq!(standing(OrderStatus::Cancelled), Standing::Lost);
        assert_eq!(standing(OrderStatus::Expired), Standing::Lost);
        assert_eq!(Standing::of("refunded_someday"), Standing::Pending);
    }

    #[test]
    fn a_status_change_older_than_the_recorded_one_does_not_apply() {
        let at = |minute| Utc.with_ymd_and_hms(2026, 12, 1, 10, minute, 0).unwrap();

        assert!(is_current(None, at(0)));
        assert!(is_current(Some(at(0)), at(5)));
        assert!(is_current(Some(at(5)), at(5)));
        assert!(!is_current(Some(at(5)), at(4)));
    }
}
