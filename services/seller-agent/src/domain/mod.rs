//! The seller's business rules, free of I/O: personas and prompts, money
//! formatting, the honesty guard and handoff detection. (The offline
//! brain's language understanding lives with it in `brain/`.)

pub mod guard;
pub mod handoff;
pub mod money;
pub mod persona;
