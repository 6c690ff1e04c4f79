//! store-service against the real PostgreSQL and RabbitMQ: the skeleton's
//! start-up and drain, and the migrations every service goes through.

#![allow(clippy::unwrap_used)]

mod limits;
mod migrations;
mod runtime;
