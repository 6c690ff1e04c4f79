//! Black-box tests of the sales assistant: the real service on port 0 with
//! a fresh database, on a private exchange of the real broker, driven over
//! HTTP and the bus.

#![allow(clippy::unwrap_used, missing_docs)]

mod auth;
mod escalation;
mod first_reply;
mod helpers;
mod notifications;
mod ordering;
mod orders;
mod outage;
mod replies;
mod resolve;
mod transcript;
