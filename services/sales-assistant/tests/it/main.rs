//! Black-box tests of the sales assistant: the real service on port 0 with
//! a fresh database, on a private exchange of the real broker, driven over
//! HTTP and the bus.

#![allow(clippy::unwrap_used, missing_docs)]

mod accounts;
mod auth;
mod browser;
mod cross_tenant;
mod escalation;
mod first_reply;
mod helpers;
mod inbox;
mod inbox_requests;
mod invitations;
mod notifications;
mod operator;
mod ordering;
mod orders;
mod outage;
mod pages;
mod replies;
mod reports;
mod resolve;
mod throttling;
mod transcript;
