//! storectl's integration tests, one binary: each command run as the real
//! binary against fake services speaking their real protocols, or against
//! the real broker and database where it talks to them.
#![allow(clippy::unwrap_used)]

mod chat;
mod conversation;
mod dlq;
mod inbox;
mod order;
mod sse;
mod terminal;
mod unreachable;
mod webhook;
