//! Consumers of the bus: each decodes its events and hands them to their
//! flow.

pub mod chat_response;
