//! The event contracts' integration tests, one binary: building and reading
//! events, and the Rust structs against the JSON Schemas in `proto-events`.
#![allow(clippy::unwrap_used)]

mod catalog;
mod envelope;
mod samples;
mod schemas;
