//! Black-box tests of the catalog: the real service on port 0 against a
//! fresh database and a private exchange on the real broker.

#![allow(clippy::unwrap_used, missing_docs)]

mod helpers;
mod inventory;
mod isolation;
mod pictures;
mod products;
mod ranking;
mod search;
mod search_scale;
mod seed;
