//! The load generator: the whole store under many concurrent shoppers.
//!
//! It starts the store ([`store`], through `store-stack`) or attaches to a
//! running one, with a fake Graph and Bot API ([`outbound`]) that records
//! when each answer lands, and the load's own numbers and bots on the demo
//! tenants ([`tenants`]). Shoppers ([`shopper`], [`webchat`]) write through
//! signed WhatsApp webhooks, Telegram webhooks and the web chat (delivered
//! again while they fail, as the channels do: [`deliver`]), paced open
//! or closed loop ([`drive`]); what happened to each message is recorded
//! ([`record`]). Meanwhile the store's processes (`store_testkit::procs`), queues
//! ([`broker`]) and databases ([`pgstats`]) are sampled ([`sample`]); the
//! store's database pools are fitted to the server ([`pools`]). The
//! modes ([`run`]): one run, a capacity search, a soak ([`soak`]), webhook
//! ingestion beside a bare handler ([`ingest`]); the
//! output is markdown tables ([`report`]).

pub mod broker;
pub mod channel;
pub mod cli;
pub mod deliver;
pub mod drive;
pub mod ingest;
pub mod outbound;
pub mod pgstats;
pub mod pools;
pub mod record;
pub mod report;
pub mod run;
pub mod sample;
pub mod shopper;
pub mod soak;
pub mod store;
pub mod target;
pub mod tenants;
pub mod webchat;
