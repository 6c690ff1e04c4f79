//! The fault suite: proves that nothing a shopper sends is lost or doubled
//! whatever fails.
//!
//! It starts a PostgreSQL cluster ([`postgres`]) and a RabbitMQ node
//! ([`rabbit`]) of its own on free loopback ports, the whole store on them
//! as processes ([`shop`], through `store-stack`) with a fake WhatsApp
//! Graph API recording every message sent ([`graph`]), then for each fault
//! ([`faults`]) drives a steady stream of shoppers across tenants and
//! brands ([`stream`]), does the fault in its middle ([`run`]) and counts
//! the row's ledger from outside the services ([`ledger`], with a tap on
//! the exchange, [`bus_tap`]). The table ([`table`]) goes into
//! `docs/faults.md`.

pub mod bus_tap;
pub mod faults;
pub mod graph;
pub mod ledger;
pub mod llm;
pub mod postgres;
pub mod rabbit;
pub mod run;
pub mod shop;
pub mod stream;
pub mod table;
