//! The seller's business rules, free of I/O: personas and prompts, money
//! formatting, the honesty guard, handoff detection, what a draft for a
//! human seller asks of the model and what pictures, stickers, locations and
//! other non-text messages get ([`media_reply`]), and text PostgreSQL can
//! store ([`storable`]). (The offline
//! brain's language understanding lives with it in `brain/`.)

pub mod draft;
pub mod guard;
pub mod handoff;
pub mod media_reply;
pub mod money;
pub mod persona;
pub mod storable;
