//! The seller's integration tests, one binary: the model clients against
//! fake OpenAI-compatible and Anthropic servers speaking the real wire
//! formats, their retries and circuit breaker, the seller with a model that
//! misbehaves (repairs and fallbacks), and the seller itself started
//! as `main` starts it (through `store_testkit::TestApp`) on the real broker
//! and database, alone and obeying the human seller's inbox (claims,
//! deferrals, drafts), answering a shopper's quick messages once, as one
//! turn (bursts), and what it makes of voice notes (a fake transcription
//! server), pictures, stickers and emoji. The seller in the real shop
//! (catalog, order processor) is tested by `tools/seller-eval`.
#![allow(clippy::unwrap_used)]

mod brain_props;
mod burst;
mod fake_model;
mod fake_shop;
mod handover;
mod hostile;
mod llm_anthropic;
mod llm_bad_models;
mod llm_openai;
mod llm_resilience;
mod logs;
mod media;
mod memory;
mod seller;
mod support;
mod tool_outage;
