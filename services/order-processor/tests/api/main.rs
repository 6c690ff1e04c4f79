//! Black-box tests of the order processor: the real service and the real
//! catalog, each on port 0 with a fresh database, on a private exchange of
//! the real broker.

#![allow(clippy::unwrap_used, missing_docs)]

mod create;
mod helpers;
mod lifecycle;
mod payments;
