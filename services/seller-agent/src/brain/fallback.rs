//! The seller's brain when a model is configured: the model answers, and
//! when it cannot give a usable answer within its limits (down, too slow
//! for the turn's budget, empty, looping, leaking) the offline brain
//! answers that turn instead, so the shopper always gets a reply and
//! never a raw model output. Each fallback is counted in
//! `seller_llm_fallbacks_total{reason}`.
//!
//! A turn whose tool calls already changed the shop is not answered again:
//! when the model placed an order or handed the conversation over before
//! it failed, the shopper is told that (the order's lines and total from
//! the order processor's result, or the hand-over sentence) in their
//! language. Only when the offline brain fails too does the caller
//! apologize and escalate.

use async_trait::async_trait;
use serde_json::Value;
use store_events::data::ResponsePart;

use super::{
    Brain, BrainError, Turn, TurnResult,
    language::{self, Phrases},
    llm::{FallbackReason, GaveUp, LlmBrain, language_of},
    offline::OfflineBrain,
    offline_core::order_lines,
};
use crate::{
    llm::{LlmError, Message, Role},
    metrics::SellerMetrics,
};

/// The model, with the offline brain for the turns it cannot answer.
pub struct FallbackBrain {
    llm: LlmBrain,
    offline: OfflineBrain,
    metrics: SellerMetrics,
}

impl FallbackBrain {
    /// `llm` first, `offline` when it gives up.
    pub fn new(llm: LlmBrain, offline: OfflineBrain, metrics: SellerMetrics) -> Self {
        Self {
            llm,
            offline,
            metrics,
        }
    }
}

/// A second copy of `turn`, for the offline brain.
fn copy<'a>(turn: &Turn<'a>) -> Turn<'a> {
    Turn {
        ctx: turn.ctx,
        persona: turn.persona,
        shopper: turn.shopper.clone(),
        history: turn.history.clone(),
        text: turn.text.clone(),
        reply_id: turn.reply_id.clone(),
        facts: turn.facts.clone(),
        state: turn.state.clone(),
        first_message: turn.first_message,
    }
}

#[async_trait]
impl Brain for FallbackBrain {
    fn name(&self) -> String {
        self.llm.name()
    }

    async fn turn(&self, turn: Turn<'_>) -> Result<TurnResult, BrainError> {
        let spare = copy(&turn);
        let GaveUp { reason, partial } = match self.llm.attempt(turn).await {
            Ok(result) => return Ok(result),
            Err(gave_up) => gave_up,
        };
        self.metrics.llm_fallback(reason.label());
        tracing::warn!(reason = reason.label(), detail = ?reason, "the model gave no usable answer; the offline brain answers this turn");
        if partial.escalated || partial.orders_placed > 0 {
            return Ok(finish(partial, language::phrases(language_of(&spare))));
        }
        match self.offline.turn(spare).await {
            Ok(mut result) => {
                result.usage = partial.usage;
                result.guard_interventions += partial.guard_interventions;
                Ok(result)
            }
            Err(offline) => {
                tracing::error!(error = %offline, "the offline brain failed too");
                Err(BrainError::LlmUnavailable(match reason {
                    FallbackReason::Unavailable(error) => error,
                    other => LlmError::Protocol(format!(
                        "no usable answer from the model ({})",
                        other.label()
                    )),
                }))
            }
        }
    }
}

/// The reply for a turn whose tools changed the shop before the model
/// failed: the order placed, or the hand-over.
fn finish(mut partial: TurnResult, phrases: &Phrases) -> TurnResult {
    let placed = partial
        .transcript
        .iter()
        .rev()
        .filter(|m| m.role == Role::Tool && !m.is_error)
        .filter_map(|m| serde_json::from_str::<Value>(&m.content).ok())
        .find(|v| v["placed"] == true);
    let mut text = match placed {
        Some(order) => order_lines(&order, phrases),
        None => String::new(),
    };
    if partial.escalated {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(phrases.handoff);
    }
    // The transcript keeps the tool calls the shop acted on; the model's
    // unusable last words are not kept.
    partial
        .transcript
        .push(Message::assistant(text.clone(), Vec::new()));
    partial.parts.push(ResponsePart::Text { text });
    partial
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;
    use crate::{brain::lang::Lang, llm::ToolCall};

    fn placed() -> TurnResult {
        let order = json!({
            "placed": true,
            "order_number": "FH-1042",
            "lines": [{"quantity": 2, "name": "Red Sneakers", "line_total": {"display": "199.80 BRL"}}],
            "total": {"display": "199.80 BRL"},
        });
        TurnResult {
            transcript: vec![
                Message::assistant(
                    "",
                    vec![ToolCall {
                        id: "c1".into(),
                        name: "create_order".into(),
                        arguments: "{}".into(),
                    }],
                ),
                Message::tool_result("c1", order.to_string(), false),
            ],
            orders_placed: 1,
            ..TurnResult::default()
        }
    }

    #[test]
    fn an_order_placed_before_the_model_failed_is_reported_from_the_shops_result() {
        let result = finish(placed(), language::phrases(Lang::Es));

        let text = crate::brain::parts_text(&result.parts);
        assert!(text.contains("FH-1042"), "{text}");
        assert!(text.contains("199.80 BRL"), "{text}");
        assert!(text.starts_with("¡Listo!"), "{text}");
        assert_eq!(
            result.transcript.len(),
            3,
            "the order's call and result are kept"
        );
    }

    #[test]
    fn a_hand_over_before_the_model_failed_says_so() {
        let partial = TurnResult {
            escalated: true,
            ..TurnResult::default()
        };

        let result = finish(partial, language::phrases(Lang::En));

        assert_eq!(
            crate::brain::parts_text(&result.parts),
            language::phrases(Lang::En).handoff
        );
    }

    #[test]
    fn reasons_have_stable_labels() {
        assert_eq!(
            FallbackReason::Unavailable(LlmError::CircuitOpen).label(),
            "circuit_open"
        );
        assert_eq!(FallbackReason::Budget.label(), "budget");
        assert_eq!(FallbackReason::Leak.label(), "leak");
    }
}
