//! The idempotency ledger's integration tests, one binary.
#![allow(clippy::unwrap_used)]

mod ledger;
