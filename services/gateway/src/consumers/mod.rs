//! Consumers of the bus: each decodes its events and hands them to their
//! flow: [`chat_response`] sends the replies, [`media_fetch`] answers the
//! sellers' media requests.

pub mod chat_response;
pub mod media_fetch;
