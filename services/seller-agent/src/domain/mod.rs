//! The seller's business rules, free of I/O: personas and prompts, money
//! formatting, the honesty guard, handoff detection and what a draft for a
//! human seller asks of the model. (The offline
//! brain's language understanding lives with it in `brain/`.)

pub mod draft;
pub mod guard;
pub mod handoff;
pub mod money;
pub mod persona;
