//! The telemetry crate's integration tests, one binary: JSON log lines,
//! trace propagation through events, OTLP export and the ops router.
//!
//! Only `json_logs::init_for_tests_can_be_called_many_times` installs the
//! global subscriber, and it checks just that; every other test that looks at
//! spans installs its own subscriber for its thread (`with_default`) or its
//! own tracer provider, so the tests hold under `cargo test` (threads of one
//! process) as under nextest (a process each).

mod json_logs;
mod ops_router;
mod otlp_export;
mod propagation;
