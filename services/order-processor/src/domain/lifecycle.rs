//! The order's lifecycle as a pure state machine:
//!
//! ```text
//! pending_payment ─pay─► paid ─fulfil─► fulfilled ─ship─► shipped ─deliver─► delivered
//!        │                 │                │
//!        ├─cancel──────────┴────────────────┴──► cancelled
//!        └─expire──► expired
//! ```
//!
//! Cancelling or expiring an order gives its reserved stock back; once
//! shipped it can no longer be cancelled. Paying a paid order is a no-op, so
//! a repeated payment notice changes nothing. [`cancellation`] reads those
//! rules for someone asking to cancel (`store.order.cancel`).

use store_events::data::{CancelOutcome, OrderStatus};

/// What someone asks of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The payment was confirmed.
    Pay,
    /// Picked and packed.
    Fulfil,
    /// Handed to the carrier, optionally with a tracking number.
    Ship {
        /// Carrier tracking number.
        tracking_number: Option<String>,
    },
    /// The shopper received it.
    Deliver,
    /// Cancelled by the shopper or the shop.
    Cancel,
    /// Not paid in time.
    Expire,
}

/// The outcome of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The order moves to `to`.
    Moved {
        /// The new status.
        to: OrderStatus,
        /// Whether the reserved stock goes back to the catalog.
        release_stock: bool,
    },
    /// Already there: nothing changes (repeated notices).
    Unchanged,
}

/// A command that the order's status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot be {action}")]
pub struct TransitionError {
    /// Status of the order.
    pub from: &'static str,
    /// What was asked.
    pub action: &'static str,
}

/// The `snake_case` name of a status, as stored and sent.
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

/// Parses a stored status name.
pub fn parse_status(name: &str) -> Option<OrderStatus> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// Decides what `command` does to an order that is `from`.
pub fn decide(from: OrderStatus, command: &Command) -> Result<Outcome, TransitionError> {
    use OrderStatus::*;
    let moved = |to, release_stock| Ok(Outcome::Moved { to, release_stock });
    match (from, command) {
        (PendingPayment, Command::Pay) => moved(Paid, false),
        (Paid, Command::Pay) => Ok(Outcome::Unchanged),
        (Paid, Command::Fulfil) => moved(Fulfilled, false),
        (Fulfilled, Command::Ship { .. }) => moved(Shipped, false),
        (Shipped, Command::Deliver) => moved(Delivered, false),
        (PendingPayment | Paid | Fulfilled, Command::Cancel) => moved(Cancelled, true),
        (Cancelled, Command::Cancel) => Ok(Outcome::Unchanged),
        (PendingPayment, Command::Expire) => moved(Expired, true),
        (from, command) => Err(TransitionError {
            from: status_name(from),
            action: match command {
                Command::Pay => "paid",
                Command::Fulfil => "fulfilled",
                Command::Ship { .. } => "shipped",
                Command::Deliver => "delivered",
                Command::Cancel => "cancelled",
                Command::Expire => "expired",
            },
        }),
    }
}

/// What asking to cancel an order that is `from` comes to, by [`decide`]'s
/// rules: cancelled now (not yet shipped), already cancelled (cancelled, or
/// expired: its stock went back too), or not cancellable (shipped,
/// delivered).
pub fn cancellation(from: OrderStatus) -> CancelOutcome {
    match decide(from, &Command::Cancel) {
        Ok(Outcome::Moved { .. }) => CancelOutcome::Cancelled,
        Ok(Outcome::Unchanged) => CancelOutcome::AlreadyCancelled,
        Err(_) if from == OrderStatus::Expired => CancelOutcome::AlreadyCancelled,
        Err(_) => CancelOutcome::NotCancellable,
    }
}

/// What the shopper is told when their order moves to `to`.
pub fn shopper_message(number: &str, to: OrderStatus, tracking_number: Option<&str>) -> String {
    match to {
        OrderStatus::PendingPayment => format!("Your order {number} is waiting for payment."),
        OrderStatus::Paid => format!("Payment received for order {number}. Thank you!"),
        OrderStatus::Fulfilled => format!("Your order {number} is packed and ready to ship."),
        OrderStatus::Shipped => match tracking_number {
            Some(tracking) => {
                format!("Your order {number} is on its way. Tracking number: {tracking}.")
            }
            None => format!("Your order {number} is on its way."),
        },
        OrderStatus::Delivered => format!("Your order {number} was delivered. Enjoy!"),
        OrderStatus::Cancelled => format!("Your order {number} was cancelled."),
        OrderStatus::Expired => {
            format!("Your order {number} expired because it was not paid in time.")
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use OrderStatus::*;

    use super::*;

    fn moves(from: OrderStatus, command: Command) -> Option<(OrderStatus, bool)> {
        match decide(from, &command) {
            Ok(Outcome::Moved { to, release_stock }) => Some((to, release_stock)),
            _ => None,
        }
    }

    #[test]
    fn given_a_new_order_when_it_goes_all_the_way_then_each_step_is_allowed() {
        assert_eq!(moves(PendingPayment, Command::Pay), Some((Paid, false)));
        assert_eq!(moves(Paid, Command::Fulfil), Some((Fulfilled, false)));
        assert_eq!(
            moves(
                Fulfilled,
                Command::Ship {
                    tracking_number: Some("T1".into())
                }
            ),
            Some((Shipped, false))
        );
        assert_eq!(moves(Shipped, Command::Deliver), Some((Delivered, false)));
    }

    #[test]
    fn given_an_unshipped_order_when_cancelled_or_expired_then_stock_goes_back() {
        for from in [PendingPayment, Paid, Fulfilled] {
            assert_eq!(moves(from, Command::Cancel), Some((Cancelled, true)));
        }
        assert_eq!(
            moves(PendingPayment, Command::Expire),
            Some((Expired, true))
        );
    }

    #[test]
    fn given_a_paid_order_when_paid_again_then_nothing_changes() {
        assert_eq!(decide(Paid, &Command::Pay), Ok(Outcome::Unchanged));
        assert_eq!(decide(Cancelled, &Command::Cancel), Ok(Outcome::Unchanged));
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        let refused = [
            (
                PendingPayment,
                Command::Ship {
                    tracking_number: None,
                },
            ),
            (PendingPayment, Command::Fulfil),
            (Shipped, Command::Cancel),
            (Delivered, Command::Cancel),
            (Paid, Command::Expire),
            (Expired, Command::Pay),
            (Cancelled, Command::Pay),
        ];
        for (from, command) in refused {
            assert!(
                decide(from, &command).is_err(),
                "{from:?} accepted {command:?}"
            );
        }
        let error = decide(Shipped, &Command::Cancel).unwrap_err();
        assert_eq!(
            error.to_string(),
            "an order that is shipped cannot be cancelled"
        );
    }

    #[test]
    fn given_a_request_to_cancel_then_only_unshipped_orders_are_cancelled() {
        let asked = [
            (PendingPayment, CancelOutcome::Cancelled),
            (Paid, CancelOutcome::Cancelled),
            (Fulfilled, CancelOutcome::Cancelled),
            (Cancelled, CancelOutcome::AlreadyCancelled),
            (Expired, CancelOutcome::AlreadyCancelled),
            (Shipped, CancelOutcome::NotCancellable),
            (Delivered, CancelOutcome::NotCancellable),
        ];
        for (from, outcome) in asked {
            assert_eq!(cancellation(from), outcome, "{from:?}");
        }
    }

    #[test]
    fn status_names_round_trip() {
        for status in [
            PendingPayment,
            Paid,
            Fulfilled,
            Shipped,
            Delivered,
            Cancelled,
            Expired,
        ] {
            assert_eq!(parse_status(status_name(status)), Some(status));
        }
    }
}
