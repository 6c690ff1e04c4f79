//! The order processor: consumes `store.order.create`, reserves and prices
//! the items through the catalog (`store.inventory.reserve`, never prices
//! from the request), places the order or rejects it with a reason per
//! line, runs the order's lifecycle (`store.order.status.changed`, with a
//! `store.chat.response` for the shopper), cancels orders a seller asks to
//! cancel on the bus (`store.order.cancel`, answered with
//! `store.order.cancel.result`), expires unpaid orders and gives their
//! stock back, and serves the orders over HTTP per tenant.
//!
//! [`Application::build`] starts exactly what `main` runs. Each use case is
//! one file of [`flows`] (`place_order`, `cancel_order`, `change_status`,
//! `expire_orders`, `relay_outbox`); [`consumers`] and [`http`] hand events
//! and requests to them; [`db`] stores, [`domain`] decides, [`payments`] talks to the
//! payment providers.

pub mod config;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod error;
pub mod flows;
pub mod http;
pub mod payments;
pub mod startup;

pub use config::Config;
pub use startup::Application;

/// CloudEvents `source` of the events the order processor emits.
pub const SOURCE: &str = "/agent-store/order-processor";
