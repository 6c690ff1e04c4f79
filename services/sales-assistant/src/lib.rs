//! The sales assistant: the human seller's inbox. It consumes
//! `store.sales.escalate` (an AI seller hands a conversation over) into a
//! hand-off with its transcript, keeps appending the shopper's messages and
//! human replies of that conversation, and lets a human seller, over HTTP
//! per tenant, read it, reply to the shopper (`store.chat.response`) and
//! hand the conversation back or close it (`store.sales.resolved`).
//!
//! [`Application::build`] starts exactly what `main` runs. Each use case is
//! one file of [`flows`] (`open_handoff`, `reply_as_human`,
//! `resolve_handoff`, …); [`consumers`] and [`http`] hand events and
//! requests to them; [`db`] stores, [`domain`] decides.

pub mod accounts;
pub mod config;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod error;
pub mod flows;
pub mod http;
pub mod live;
pub mod metrics;
pub mod notify;
pub mod startup;

pub use config::Config;
pub use startup::Application;

/// CloudEvents `source` of the events the sales assistant emits.
pub const SOURCE: &str = "/agent-store/sales-assistant";
