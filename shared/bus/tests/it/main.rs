//! The bus's integration tests, one binary: publishing and consuming through
//! the real broker, request/reply, sharding, reconnects, idempotent handlers
//! and trace propagation.
#![allow(clippy::unwrap_used)]

mod delivery;
mod frames;
mod idempotent;
mod queue_depth;
mod reconnect;
mod returns;
mod rpc;
mod sharding;
mod support;
mod trace;
