//! Shared helpers for the cross-service tests in `tests/`.

pub mod fake_llm;
pub mod store;
