//! The gateway's integration tests, one binary: the real gateway (started
//! by `store_testkit::TestApp`, as `main` builds it) on the real broker and
//! database, with fake Graph API and Bot API servers.
#![allow(clippy::unwrap_used)]

mod support;

mod batches;
mod brand_menu;
mod control_chars;
mod dedup;
mod delivery;
mod hostile;
mod inbound_limits;
mod ingest_failures;
mod media_fetch;
mod operations;
mod outbound;
mod rate_limits;
mod record_retry;
mod retention;
mod telegram_inbound;
mod webchat;
mod webchat_abuse;
mod webchat_live;
mod webchat_retry;
mod whatsapp_inbound;
