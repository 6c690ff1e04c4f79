//! The gateway: the only service that speaks to the chat channels.
//!
//! Inbound, WhatsApp Cloud API and Telegram Bot API webhooks are checked
//! (signature, secret token), parsed, deduplicated by the channel's message
//! id, routed to a brand (or answered with the brand menu) and published as
//! the raw `store.<channel>.message.received` and the normalised
//! `store.chat.message.new`, with publisher confirms, before the webhook is
//! answered. Outbound, `store.chat.response` events are rendered for their
//! channel and sent, in order, with rate limits honoured.
//!
//! The web chat is the third channel, served by the gateway itself: a chat
//! page and widget per tenant, sessions and transcripts in PostgreSQL,
//! shopper messages published like the other channels', replies appended to
//! the transcript and streamed live (server-sent events) from any replica;
//! see `docs/WEBCHAT.md` and [`http::webchat`].
//!
//! Conversation ids are `<channel>:<account>:<chat>`, see
//! [`domain::conversation`].
//!
//! The house layout: [`config`] and [`startup`] (on `store_service`'s
//! skeleton); [`http`] (webhooks, web chat) and [`consumers`] (the reply
//! consumer) take requests and events and hand them to [`flows`], one file
//! per use case, which use [`db`] (PostgreSQL), the bus and [`channels`]
//! (the Graph API and Bot API clients); [`domain`] is the pure core;
//! [`state`] is what they all share, [`error`] the API's one error type,
//! [`metrics`] the gateway's counters, [`webchat_guard`] the web chat's
//! limits and session expiry (on the shared buckets of [`db`]),
//! [`tenant_allowance`] the tenants' inbound tokens leased from theirs.

pub mod channels;
pub mod config;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod error;
pub mod flows;
pub mod http;
pub mod metrics;
pub mod startup;
pub mod state;
pub mod tenant_allowance;
pub mod webchat_guard;

pub use config::Config;
pub use startup::Application;
