//! Brains: what decides the seller's reply to one shopper message.
//!
//! [`llm::LlmBrain`] asks a model, running its tool calls; [`offline::OfflineBrain`]
//! is a deterministic rule-based seller that drives the same tools, so the
//! whole system runs without any key. With a model, [`fallback::FallbackBrain`]
//! asks it first and lets the offline brain answer the turns it cannot
//! ([`leak`]: what a model's text may never carry). Each answers a [`Turn`]
//! with a [`TurnResult`].

mod after_order;
pub mod cards;
pub mod fallback;
mod intent;
pub mod lang;
pub mod language;
pub mod late_order;
pub mod leak;
mod list_words;
pub mod llm;
pub mod offline;
mod offline_core;
mod offline_orders;
mod offline_shop;
pub mod offline_state;
mod quantity;
pub mod shop_phrases;
mod shop_questions;
mod shopping;
pub mod terms;

use cloudevents::Event;
use serde_json::Value;
use store_events::data::ResponsePart;

use crate::{
    domain::{
        guard::Facts,
        persona::{Persona, ShopperContext},
    },
    llm::{LlmError, Message, Usage},
    tools::ToolContext,
};

/// One shopper message to answer, with what the seller remembers.
pub struct Turn<'a> {
    /// Tools and the turn's identity.
    pub ctx: &'a ToolContext,
    /// The brand's seller.
    pub persona: &'a Persona,
    /// What is known about the shopper.
    pub shopper: ShopperContext,
    /// The conversation so far (after the summary), oldest first.
    pub history: Vec<Message>,
    /// The shopper's message as text.
    pub text: String,
    /// The id of a button or list row the shopper picked, if any.
    pub reply_id: Option<String>,
    /// Figures from the conversation's tool results so far.
    pub facts: Facts,
    /// The brain's own state for this conversation (offline brain).
    pub state: Value,
    /// True when this is the shopper's first message.
    pub first_message: bool,
}

/// The seller's answer to a turn.
#[derive(Debug, Default)]
pub struct TurnResult {
    /// What to send the shopper.
    pub parts: Vec<ResponsePart>,
    /// New messages for the conversation's memory (assistant messages, tool
    /// calls and results), oldest first; the shopper's message is stored by
    /// the caller.
    pub transcript: Vec<Message>,
    /// Events to publish with the reply (escalations).
    pub events: Vec<Event>,
    /// The conversation now belongs to a human.
    pub escalated: bool,
    /// Why it was escalated (metrics label), when it was.
    pub escalation_reason: Option<&'static str>,
    /// Times the honesty guard had to step in.
    pub guard_interventions: u32,
    /// Tokens used.
    pub usage: Usage,
    /// New brain state, when it changed.
    pub state: Option<Value>,
    /// Orders placed in this turn.
    pub orders_placed: u32,
}

/// A brain could not answer at all.
#[derive(Debug, thiserror::Error)]
pub enum BrainError {
    /// The model is unavailable (after retries, or the circuit is open).
    #[error("the language model is unavailable")]
    LlmUnavailable(#[source] LlmError),
}

/// Decides replies.
#[async_trait::async_trait]
pub trait Brain: Send + Sync {
    /// Name for metrics and logs (`openai:gpt-4o-mini`, `offline`).
    fn name(&self) -> String;
    /// Answers one turn.
    async fn turn(&self, turn: Turn<'_>) -> Result<TurnResult, BrainError>;
}

/// The text of `parts`, for the guard and for memory.
pub fn parts_text(parts: &[ResponsePart]) -> String {
    store_events::data::parts_text(parts)
}
