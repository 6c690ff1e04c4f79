//! The LLM brain: the model answers, calling tools as it needs, for a bounded
//! number of rounds; the honesty guard checks the final text.

use std::{sync::Arc, time::Instant};

use store_events::data::ResponsePart;

use super::{Brain, BrainError, Turn, TurnResult, lang::Lang, language};
use crate::{
    domain::{
        guard::{self, Unbacked},
        persona::system_prompt,
    },
    llm::{ChatRequest, LlmClient, Message},
    metrics::SellerMetrics,
    tools::{self, ToolOutcome},
};

/// Limits of one turn.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Model calls per turn (each may run several tools).
    pub max_rounds: u32,
    /// Tool calls with malformed arguments tolerated per turn.
    pub max_malformed: u32,
    /// Rewrites asked for when the guard finds unbacked figures.
    pub max_guard_retries: u32,
    /// Tokens the model may generate per call.
    pub max_tokens: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rounds: 6,
            max_malformed: 2,
            max_guard_retries: 1,
            max_tokens: 700,
        }
    }
}

/// A brain backed by a language model.
pub struct LlmBrain {
    client: Arc<dyn LlmClient>,
    limits: Limits,
    metrics: SellerMetrics,
}

impl LlmBrain {
    /// A brain asking `client`.
    pub fn new(client: Arc<dyn LlmClient>, limits: Limits, metrics: SellerMetrics) -> Self {
        Self {
            client,
            limits,
            metrics,
        }
    }

    async fn ask(
        &self,
        request: &ChatRequest,
        result: &mut TurnResult,
    ) -> Result<crate::llm::ChatReply, crate::llm::LlmError> {
        let started = Instant::now();
        let reply = self.client.chat(request).await;
        self.metrics.llm_call(
            self.client.provider(),
            started.elapsed(),
            reply.as_ref().ok().map(|r| r.usage),
        );
        if let Ok(reply) = &reply {
            result.usage.input_tokens += reply.usage.input_tokens;
            result.usage.output_tokens += reply.usage.output_tokens;
        }
        reply
    }
}

fn correction(unbacked: &[Unbacked]) -> String {
    let figures: Vec<_> = unbacked.iter().map(|u| format!("\"{}\"", u.text)).collect();
    format!(
        "[seller guard] Your reply stated {} which no tool result of this conversation contains. \
         Prices, totals, stock and discounts may only come from tool results, and no discount exists. \
         Write the reply to the shopper again without them, or call a tool to get the real figures.",
        figures.join(", ")
    )
}

#[async_trait::async_trait]
impl Brain for LlmBrain {
    fn name(&self) -> String {
        format!("{}:{}", self.client.provider(), self.client.model())
    }

    async fn turn(&self, turn: Turn<'_>) -> Result<TurnResult, BrainError> {
        let Turn {
            ctx,
            persona,
            shopper,
            history,
            text,
            mut facts,
            ..
        } = turn;
        let lang = shopper
            .language
            .as_deref()
            .map(Lang::from_tag)
            .or_else(|| language::detect(&text))
            .unwrap_or(Lang::from_tag(&persona.default_language));
        let phrases = language::phrases(lang);
        let mut result = TurnResult::default();
        let mut request = ChatRequest {
            system: system_prompt(persona, &shopper),
            messages: history,
            tools: tools::specs(),
            max_tokens: self.limits.max_tokens,
            temperature: Some(0.3),
        };
        request.messages.push(Message::user(text));
        let (mut malformed, mut guard_retries, mut calls) = (0, 0, 0usize);
        let mut final_text = None;
        for _ in 0..self.limits.max_rounds {
            let reply = match self.ask(&request, &mut result).await {
                Ok(reply) => reply,
                // Nothing said yet: the caller apologizes and escalates.
                Err(error) if result.transcript.is_empty() => {
                    return Err(BrainError::LlmUnavailable(error));
                }
                Err(error) => {
                    tracing::warn!(%error, "model failed mid-turn");
                    return Err(BrainError::LlmUnavailable(error));
                }
            };
            if !reply.tool_calls.is_empty() {
                let assistant = Message::assistant(reply.text.clone(), reply.tool_calls.clone());
                request.messages.push(assistant.clone());
                result.transcript.push(assistant);
                for call in &reply.tool_calls {
                    let outcome = tools::run(ctx, call, calls).await;
                    calls += 1;
                    self.metrics.tool_call(&call.name, outcome.label());
                    match &outcome {
                        ToolOutcome::Ok(value) => {
                            facts.add_json(value);
                            if call.name == tools::CREATE_ORDER && value["placed"] == true {
                                result.orders_placed += 1;
                            }
                        }
                        ToolOutcome::Escalated {
                            event,
                            result: value,
                        } => {
                            facts.add_json(value);
                            result.events.push((**event).clone());
                            result.escalated = true;
                            result.escalation_reason = Some("complex_case");
                        }
                        ToolOutcome::Error(message) if message.starts_with("invalid arguments") => {
                            malformed += 1
                        }
                        ToolOutcome::Error(_) => {}
                    }
                    let message = Message::tool_result(
                        call.id.clone(),
                        outcome.content(),
                        outcome.is_error(),
                    );
                    request.messages.push(message.clone());
                    result.transcript.push(message);
                }
                if malformed > self.limits.max_malformed {
                    tracing::warn!(
                        malformed,
                        "too many malformed tool calls, giving up on this turn"
                    );
                    break;
                }
                continue;
            }
            let unbacked = guard::check(&reply.text, &facts);
            if unbacked.is_empty() {
                final_text = Some(reply.text);
                break;
            }
            result.guard_interventions += 1;
            tracing::warn!(figures = ?unbacked.iter().map(|u| &u.text).collect::<Vec<_>>(), "guard: unbacked figures in reply");
            if guard_retries < self.limits.max_guard_retries {
                guard_retries += 1;
                request
                    .messages
                    .push(Message::assistant(reply.text, Vec::new()));
                request.messages.push(Message::user(correction(&unbacked)));
                continue;
            }
            final_text = Some(
                guard::redact(&reply.text, &unbacked).unwrap_or_else(|| phrases.trouble.to_owned()),
            );
            break;
        }
        let text = final_text
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| {
                if result.escalated {
                    phrases.handoff
                } else {
                    phrases.trouble
                }
                .to_owned()
            });
        result
            .transcript
            .push(Message::assistant(text.clone(), Vec::new()));
        result.parts.push(ResponsePart::Text { text });
        Ok(result)
    }
}
