//! The decisions of the inbox, free of I/O: a hand-off's status and what it
//! allows, merging a repeated escalation, who wrote a transcript message
//! and how a shopper's message reads as text, and the parsed input of the
//! human seller's requests; who owns a conversation ([`ownership`]), the
//! brands' staffed hours ([`hours`]), what the platform tells the shopper
//! ([`notices`]); who closed a sale and what an order's status counts as
//! ([`order`]), and the owner's report figures ([`report`]). Prices are
//! written as the events' `Money` displays itself.

pub mod handoff;
pub mod hours;
pub mod input;
pub mod notices;
pub mod order;
pub mod ownership;
pub mod report;
pub mod transcript;
