//! Shared helpers for the cross-service tests in `tests/`.

pub mod shop;
