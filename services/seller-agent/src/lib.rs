//! The seller agent: a per-brand AI seller (LLM + tools) on the event bus.
//!
//! One deployment serves one brand of one tenant. It consumes that brand's
//! `store.chat.message.new` (by binding, sharded by conversation so each
//! conversation is handled in order across replicas), answers with
//! `store.chat.response`, and hands conversations to humans with
//! `store.sales.escalate` until `store.sales.resolved` gives them back. On a
//! control queue of its own it obeys the human sellers' inbox: a claimed
//! conversation (`store.sales.claimed`) gets no AI reply, a deferred one
//! (`store.sales.deferred`) is answered meanwhile, and a draft request
//! (`store.sales.draft`) gets a suggested reply.

pub mod brain;
pub mod config;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod flows;
pub mod llm;
pub mod metrics;
pub mod startup;
pub mod tools;
pub mod transcription;

pub use config::Config;
pub use startup::Application;
