//! The seller's two consumers, each giving its events to their flows
//! ([`crate::flows`]), and the timers that answer message bursts:
//!
//! - [`conversations`]: the brand's shopper messages and hand-backs, in
//!   `seller.<tenant>.<brand>`, sharded by conversation so each
//!   conversation is handled one message at a time, in order;
//! - [`control`]: the sales assistant's claims, deferrals and draft
//!   requests, in `seller.<tenant>.<brand>.control`, unsharded, so a claim
//!   never waits behind the shopper messages queued in a conversation's
//!   shard;
//! - [`bursts`]: with a burst window, the per-conversation timers and the
//!   sweeper that answer the stored messages of a burst as one turn.

pub mod bursts;
pub mod control;
pub mod conversations;

pub use bursts::Bursts;
pub use control::{ControlHandler, control_config, control_queue};
pub use conversations::{SellerHandler, config, queue};
