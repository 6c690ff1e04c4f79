//! The decisions of the inbox, free of I/O: a hand-off's status and what it
//! allows, merging a repeated escalation, who wrote a transcript message
//! and how a shopper's message reads as text, and the parsed input of the
//! human seller's requests; who closed a sale and what an order's status
//! counts as, and the owner's report figures.

pub mod handoff;
pub mod input;
pub mod order;
pub mod report;
pub mod transcript;
