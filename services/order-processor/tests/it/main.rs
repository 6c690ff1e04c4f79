//! Black-box tests of the order processor: the real service on port 0 with
//! a fresh database, beside the real catalog (its binary, as a process), on
//! a private exchange of the real broker.

#![allow(clippy::unwrap_used, missing_docs)]

mod cancel;
mod catalog;
mod create;
mod helpers;
mod hostile;
mod lifecycle;
mod payments;
mod retention;
