//! Consumers of the bus.

pub mod chat_response;
mod webchat_reply;
