//! What the order processor does in the background: order requests from
//! the bus, the outbox relay, and the expiry of unpaid orders.

pub mod create;
pub mod expiry;
pub mod outbox;

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use store_bus::Bus;
use tokio::sync::Notify;

use crate::payments::Payments;

/// Queue of `store.order.create`.
pub const CREATE_QUEUE: &str = "order-processor.create";

/// What every part of the order processor shares.
pub struct Orders {
    /// The database.
    pub pool: PgPool,
    /// The bus.
    pub bus: Bus,
    /// How long an unpaid order holds its stock.
    pub payment_timeout: Duration,
    /// How long to wait for the catalog.
    pub catalog_timeout: Duration,
    /// Wakes the outbox relay after a commit.
    pub outbox_ready: Notify,
    /// Payment providers.
    pub payments: Payments,
}

/// The shared state.
pub type Shared = Arc<Orders>;
