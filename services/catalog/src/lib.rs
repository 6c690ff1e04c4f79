//! The catalog service: products with variants, prices and stock per tenant
//! and brand; search and recommendations answered over the bus
//! (`store.product.query`, `store.product.recommend`) and over HTTP; stock
//! reservations for the order processor (`store.inventory.reserve`,
//! `store.inventory.release`), announced with `store.inventory.changed`.
//!
//! [`Application::build`] starts exactly what `main` runs, so tests start
//! the very same service. Each use case is one file of [`flows`]
//! (`answer_product_query`, `reserve_stock`, …); [`consumers`] and [`http`]
//! hand events and requests to them; [`db`] stores, [`domain`] decides.

pub mod config;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod error;
pub mod flows;
pub mod http;
pub mod seed;
pub mod startup;

pub use config::Config;
pub use startup::Application;

/// CloudEvents `source` of the events the catalog emits.
pub const SOURCE: &str = "/agent-store/catalog";
