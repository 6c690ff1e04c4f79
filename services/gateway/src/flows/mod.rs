//! The gateway's use cases, one file each, named for what it does; each
//! spans the HTTP or bus side that starts it, the database and the bus:
//!
//! - [`ingest_webhook`]: a WhatsApp or Telegram webhook to confirmed events;
//! - [`limit_inbound`]: shopper messages let in per tenant and per shopper;
//! - [`post_webchat_message`]: a shopper's web chat message to its
//!   transcript and a confirmed event;
//! - [`send_reply`]: a reply sent on WhatsApp or Telegram;
//! - [`append_webchat_reply`]: a reply appended to a web chat transcript;
//! - [`report_delivery`]: what became of a reply, as `store.chat.delivery`;
//! - [`fetch_media`]: a shopper's media downloaded for a seller
//!   (`store.chat.media.fetch`).

pub mod append_webchat_reply;
pub mod fetch_media;
pub mod ingest_webhook;
pub mod limit_inbound;
pub mod post_webchat_message;
pub mod report_delivery;
pub mod send_reply;
