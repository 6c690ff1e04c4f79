//! store-stack against the real PostgreSQL and RabbitMQ: what a restart
//! keeps and what `--reset` clears.

#![allow(clippy::unwrap_used)]

mod catalog_keys;
mod reset;
