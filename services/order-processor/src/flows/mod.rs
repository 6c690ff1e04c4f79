//! The order processor's use cases, one file each, from the event or
//! request that starts one to the events it causes:
//!
//! - [`place_order`]: `store.order.create` → reserve and price through the
//!   catalog → the order (or its rejection) stored with its outcome event;
//! - [`change_status`]: pay, fulfil, ship, deliver, cancel or expire an
//!   order (from the shop's API, a payment webhook or the expiry sweep) →
//!   `store.order.status.changed`, the shopper told, stock released;
//! - [`cancel_order`]: `store.order.cancel` → the same cancellation, and
//!   `store.order.cancel.result` for the requester;
//! - [`expire_orders`]: the sweep that expires unpaid orders;
//! - [`relay_outbox`]: publishes what those committed, in order.
//!
//! Each stores the events it causes in the outbox inside its transaction;
//! [`relay_outbox`] publishes them after the commit. [`Orders`] is what they
//! share.

pub mod cancel_order;
pub mod change_status;
pub mod expire_orders;
pub mod place_order;
pub mod relay_outbox;

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use store_bus::Bus;
use tokio::sync::Notify;

use crate::payments::Payments;

/// What every use case of the order processor works with.
pub struct Orders {
    /// The database.
    pub pool: PgPool,
    /// The bus.
    pub bus: Bus,
    /// How long an unpaid order holds its stock.
    pub payment_timeout: Duration,
    /// How long to wait for the catalog's reservation.
    pub catalog_timeout: Duration,
    /// Wakes the outbox relay after a commit.
    pub outbox_ready: Notify,
    /// Payment providers.
    pub payments: Payments,
}

/// [`Orders`], shared by the consumer, the background tasks and the HTTP
/// handlers.
pub type Shared = Arc<Orders>;
