//! The LLM brain: the model answers, calling tools as it needs, for a bounded
//! number of rounds within a time budget; the honesty guard checks the final
//! text.
//!
//! It survives what small local models do: tool calls written as text are
//! run as calls ([`crate::llm::repair`]), arguments of the wrong type are
//! fixed where that is safe ([`crate::llm::coerce`]) and reported back to
//! the model otherwise, unknown tools get the list of the real ones, the
//! same call repeated is refused and then stopped, an empty or
//! thinking-only answer is asked for once more. When the model cannot give
//! a usable answer within its limits, [`LlmBrain::attempt`] says why
//! ([`GaveUp`]) and [`super::fallback::FallbackBrain`] answers the turn
//! with the offline brain instead. A final text carrying tool-call JSON,
//! the instructions or a key is never sent ([`super::leak`]).

mod calls;

use std::{collections::HashMap, sync::Arc, time::Duration};

use cloudevents::AttributesReader as _;

use secrecy::{ExposeSecret as _, SecretString};
use store_events::data::ResponsePart;
use tokio::time::Instant;

use super::{
    Turn, TurnResult,
    lang::Lang,
    language,
    leak::{self, Leak},
};
use crate::{
    domain::{
        guard::{self, Unbacked},
        persona::system_prompt,
    },
    llm::{ChatReply, ChatRequest, LlmClient, LlmError, Message, repair},
    metrics::SellerMetrics,
    tools::{self, ToolContext},
};

/// Limits of one turn.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Model calls per turn (each may run several tools).
    pub max_rounds: u32,
    /// Tool calls with malformed arguments tolerated per turn.
    pub max_malformed: u32,
    /// Calls of tools that do not exist tolerated per turn.
    pub max_unknown_tools: u32,
    /// The same call (name and arguments) this many times ends the turn;
    /// the second time it is refused instead of run.
    pub max_repeats: u32,
    /// Empty (or thinking-only) answers asked again.
    pub max_empty_retries: u32,
    /// Rewrites asked for when the guard finds unbacked figures.
    pub max_guard_retries: u32,
    /// Tokens the model may generate per call.
    pub max_tokens: u32,
    /// Time the model has for the whole turn, retries included; when it is
    /// spent the offline brain answers.
    pub budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rounds: 6,
            max_malformed: 2,
            max_unknown_tools: 2,
            max_repeats: 3,
            max_empty_retries: 1,
            max_guard_retries: 1,
            max_tokens: 700,
            budget: Duration::from_secs(45),
        }
    }
}

/// Why the model's answer was not used.
#[derive(Debug)]
pub enum FallbackReason {
    /// The model failed (after its retries, or its circuit is open).
    Unavailable(LlmError),
    /// The turn's time budget was spent.
    Budget,
    /// It answered nothing (or only thinking), twice.
    Empty,
    /// It repeated the same call.
    Loop,
    /// It kept calling tools that do not exist.
    UnknownTool,
    /// Its tool arguments stayed unusable.
    Malformed,
    /// Its answer carried tool-call JSON, its instructions or a key.
    Leak,
    /// Every sentence stated figures no tool gave, after a rewrite.
    Guard,
    /// It was still calling tools after the last round.
    Rounds,
}

impl FallbackReason {
    /// The metric label.
    pub fn label(&self) -> &'static str {
        match self {
            FallbackReason::Unavailable(LlmError::CircuitOpen) => "circuit_open",
            FallbackReason::Unavailable(LlmError::Timeout(_)) => "timeout",
            FallbackReason::Unavailable(LlmError::Protocol(_)) => "bad_response",
            FallbackReason::Unavailable(_) => "llm_error",
            FallbackReason::Budget => "budget",
            FallbackReason::Empty => "empty",
            FallbackReason::Loop => "loop",
            FallbackReason::UnknownTool => "unknown_tool",
            FallbackReason::Malformed => "malformed_arguments",
            FallbackReason::Leak => "leak",
            FallbackReason::Guard => "guard",
            FallbackReason::Rounds => "rounds",
        }
    }
}

/// The model could not give a usable answer.
#[derive(Debug)]
pub struct GaveUp {
    /// Why.
    pub reason: FallbackReason,
    /// What the turn did before (tool calls run, orders placed, an
    /// escalation), for the caller to keep when it changed the shop.
    pub partial: TurnResult,
}

/// A brain backed by a language model.
pub struct LlmBrain {
    client: Arc<dyn LlmClient>,
    limits: Limits,
    metrics: SellerMetrics,
    secrets: Vec<SecretString>,
}

/// The shopper's language for a turn: what the profile says, else what
/// the message looks like, else the persona's.
pub(super) fn language_of(turn: &Turn<'_>) -> Lang {
    turn.shopper
        .language
        .as_deref()
        .map(Lang::from_tag)
        .or_else(|| language::detect(&turn.text))
        .unwrap_or(Lang::from_tag(&turn.persona.default_language))
}

impl LlmBrain {
    /// A brain asking `client`; `secrets` (the API key) never reach a
    /// shopper.
    pub fn new(
        client: Arc<dyn LlmClient>,
        limits: Limits,
        metrics: SellerMetrics,
        secrets: Vec<SecretString>,
    ) -> Self {
        Self {
            client,
            limits,
            metrics,
            secrets,
        }
    }

    /// `provider:model`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.client.provider(), self.client.model())
    }

    async fn ask(
        &self,
        request: &ChatRequest,
        result: &mut TurnResult,
        deadline: Instant,
    ) -> Result<ChatReply, FallbackReason> {
        let started = std::time::Instant::now();
        let Ok(reply) = tokio::time::timeout_at(deadline, self.client.chat(request)).await else {
            self.metrics
                .llm_call(self.client.provider(), started.elapsed(), None);
            return Err(FallbackReason::Budget);
        };
        self.metrics.llm_call(
            self.client.provider(),
            started.elapsed(),
            reply.as_ref().ok().map(|r| r.usage),
        );
        match reply {
            Ok(reply) => {
                result.usage.input_tokens += reply.usage.input_tokens;
                result.usage.output_tokens += reply.usage.output_tokens;
                Ok(reply)
            }
            Err(error) => {
                tracing::warn!(%error, "the model failed");
                Err(FallbackReason::Unavailable(error))
            }
        }
    }

    /// Asks the model to answer `turn` (see the module's doc).
    pub async fn attempt(&self, turn: Turn<'_>) -> Result<TurnResult, GaveUp> {
        let deadline = Instant::now() + self.limits.budget;
        let Turn {
            ctx,
            persona,
            shopper,
            history,
            text,
            facts,
            ..
        } = turn;
        let mut run = Run {
            brain: self,
            ctx,
            facts,
            result: TurnResult::default(),
            request: ChatRequest {
                system: system_prompt(persona, &shopper),
                messages: history,
                tools: tools::specs(),
                max_tokens: self.limits.max_tokens,
                temperature: Some(0.3),
            },
            counts: Counts::default(),
            seen: HashMap::new(),
            id_prefix: format!(
                "written_{}",
                ctx.cause
                    .id()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(12)
                    .collect::<String>()
            ),
        };
        run.request.messages.push(Message::user(text));
        match run.rounds(deadline).await {
            Ok(text) => {
                let mut result = run.result;
                result
                    .transcript
                    .push(Message::assistant(text.clone(), Vec::new()));
                result.parts.push(ResponsePart::Text { text });
                Ok(result)
            }
            Err(reason) => Err(GaveUp {
                reason,
                partial: run.result,
            }),
        }
    }
}

/// What went wrong so far in a turn.
#[derive(Debug, Default)]
struct Counts {
    calls: usize,
    written: usize,
    malformed: u32,
    unknown: u32,
    empty: u32,
    guard: u32,
}

/// One turn in progress.
struct Run<'a> {
    brain: &'a LlmBrain,
    ctx: &'a ToolContext,
    facts: guard::Facts,
    result: TurnResult,
    request: ChatRequest,
    counts: Counts,
    /// How often each call (name and arguments) was made in this turn.
    seen: HashMap<(String, String), u32>,
    /// Start of the ids given to calls written as text.
    id_prefix: String,
}

impl Run<'_> {
    /// Model rounds until a final text (empty when the turn escalated
    /// without one).
    async fn rounds(&mut self, deadline: Instant) -> Result<String, FallbackReason> {
        let limits = self.brain.limits;
        for _ in 0..limits.max_rounds {
            let reply = self
                .brain
                .ask(&self.request, &mut self.result, deadline)
                .await?;
            let (calls, text) = if reply.tool_calls.is_empty() {
                match repair::tool_calls_in_text(&reply.text) {
                    Some(mut repaired) => {
                        tracing::info!(
                            calls = repaired.calls.len(),
                            "tool calls written as text, run as calls"
                        );
                        // Ids unique in the conversation, as providers want.
                        for call in &mut repaired.calls {
                            call.id = format!("{}_{}", self.id_prefix, self.counts.written);
                            self.counts.written += 1;
                        }
                        (repaired.calls, String::new())
                    }
                    None => (Vec::new(), repair::without_thinking(&reply.text)),
                }
            } else {
                (reply.tool_calls, repair::without_thinking(&reply.text))
            };
            if !calls.is_empty() {
                self.run_calls(calls, text).await?;
                continue;
            }
            if text.is_empty() {
                if self.counts.empty < limits.max_empty_retries {
                    self.counts.empty += 1;
                    tracing::warn!("the model answered nothing; asking once more");
                    continue;
                }
                return Err(FallbackReason::Empty);
            }
            if let Some(found) = self.leak(&text) {
                tracing::warn!(?found, "the model's answer is not fit for the shopper");
                return Err(FallbackReason::Leak);
            }
            let unbacked = guard::check(&text, &self.facts);
            if unbacked.is_empty() {
                return Ok(text);
            }
            self.result.guard_interventions += 1;
            tracing::warn!(figures = ?unbacked.iter().map(|u| &u.text).collect::<Vec<_>>(), "guard: unbacked figures in reply");
            if self.counts.guard < limits.max_guard_retries {
                self.counts.guard += 1;
                self.request
                    .messages
                    .push(Message::assistant(text, Vec::new()));
                self.request
                    .messages
                    .push(Message::user(correction(&unbacked)));
                continue;
            }
            return guard::redact(&text, &unbacked).ok_or(FallbackReason::Guard);
        }
        Err(FallbackReason::Rounds)
    }

    fn leak(&self, text: &str) -> Option<Leak> {
        let secrets: Vec<&str> = self
            .brain
            .secrets
            .iter()
            .map(|s| s.expose_secret())
            .collect();
        leak::find(text, &self.request.system, &secrets)
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
