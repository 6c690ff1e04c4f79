//! The seller in the real shop (`seller_eval::shop::Shop`: the catalog
//! seeded with the demo catalog, the order processor and the sellers, each
//! a process of its built binary, on a private exchange and fresh
//! databases): the offline evaluation, orders through both brains, the
//! honesty guard, the outage and human handoff, replicas keeping a
//! conversation's order, and orders read and cancelled through the order
//! processor's API. Run `cargo build --bins` first.
#![allow(clippy::unwrap_used)]

mod eval;
mod llm_real_shop;
mod llm_seller;
mod offline_seller;
mod orders_api;
mod support;
