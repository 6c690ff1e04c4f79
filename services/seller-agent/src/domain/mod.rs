//! The seller's business rules, free of I/O: personas and prompts, money
//! formatting, the honesty guard, handoff detection and the offline brain's
//! language understanding.

pub mod guard;
pub mod handoff;
pub mod money;
pub mod persona;
