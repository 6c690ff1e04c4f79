//! The seller's evaluation harness: scripted shoppers played against the
//! real shop.
//!
//! Scenarios ([`scenario::Scenario`], YAML files in
//! `tools/seller-eval/scenarios/`) say what a shopper writes, turn by turn,
//! and what must hold of the seller's replies and of the shop afterwards:
//! products the catalog has, only catalog prices (the seller's own honesty
//! guard with facts from the real catalog), the shopper's language, no
//! discount promised, an order with the right quantity and total, an
//! escalation. [`harness::run`] starts the real shop ([`shop::Shop`]: the
//! catalog seeded with the demo catalog, the order processor and a seller
//! per brand, each a process of its built binary, on a private exchange and
//! fresh databases), plays every scenario on the bus and returns a
//! [`report::Report`], written as a Markdown table by the `seller-eval`
//! binary. The seller's black-box tests (`tests/it`) start the same
//! [`shop::Shop`].
//!
//! The model is any configured endpoint
//! ([`seller_agent::config::llm_from_env`]) or the offline brain.

pub mod figures;
pub mod harness;
pub mod metrics;
pub mod report;
pub mod scenario;
pub mod shop;
pub mod stock;

pub use harness::{Options, run};
pub use report::{Prices, Report};
