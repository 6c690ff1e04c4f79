//! Consumers of the bus.

pub mod chat_response;
