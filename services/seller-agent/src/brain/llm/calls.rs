//! The model's tool calls in one round: each call's name made the real
//! tool's ([`repair::canonical_tool_name`]) and its arguments fitted to the
//! tool's schema ([`coerce`]), or an error for the model; a call repeated
//! in the turn refused, then the turn stopped; the tools run and their
//! results, figures, orders and escalations recorded.

use super::{FallbackReason, Run};
use crate::{
    llm::{Message, ToolCall, coerce, repair},
    tools::{self, ToolOutcome},
};

impl Run<'_> {
    /// Runs the model's calls and gives their results back to it.
    pub(super) async fn run_calls(
        &mut self,
        calls: Vec<ToolCall>,
        text: String,
    ) -> Result<(), FallbackReason> {
        let limits = self.brain.limits;
        let prepared: Vec<(ToolCall, Result<(), String>)> =
            calls.into_iter().map(prepare).collect();
        // The assistant message carries the calls as they are run; its
        // text only when it is prose (never a written call).
        let content = if repair::looks_like_tool_call(&text) {
            String::new()
        } else {
            text
        };
        let assistant = Message::assistant(
            content,
            prepared.iter().map(|(call, _)| call.clone()).collect(),
        );
        self.request.messages.push(assistant.clone());
        self.result.transcript.push(assistant);
        let mut looping = false;
        for (call, prepared) in prepared {
            let outcome = match prepared {
                Err(why) => {
                    if why.starts_with(UNKNOWN) {
                        self.counts.unknown += 1;
                    } else {
                        self.counts.malformed += 1;
                    }
                    ToolOutcome::Error(why)
                }
                Ok(()) => {
                    let times = self
                        .seen
                        .entry((call.name.clone(), call.arguments.clone()))
                        .or_default();
                    *times += 1;
                    if *times >= limits.max_repeats {
                        looping = true;
                    }
                    if *times > 1 {
                        ToolOutcome::Error(format!(
                            "you already called {} with these arguments in this turn; its result is above. Answer the shopper with it, or call something else.",
                            call.name
                        ))
                    } else {
                        let outcome = tools::run(self.ctx, &call, self.counts.calls).await;
                        self.counts.calls += 1;
                        outcome
                    }
                }
            };
            self.brain.metrics.tool_call(&call.name, outcome.label());
            self.record(&call, &outcome);
            let message =
                Message::tool_result(call.id.clone(), outcome.content(), outcome.is_error());
            self.request.messages.push(message.clone());
            self.result.transcript.push(message);
        }
        if looping {
            tracing::warn!("the model repeats the same call; giving up on it for this turn");
            return Err(FallbackReason::Loop);
        }
        if self.counts.unknown > limits.max_unknown_tools {
            tracing::warn!(
                unknown = self.counts.unknown,
                "too many calls of tools that do not exist"
            );
            return Err(FallbackReason::UnknownTool);
        }
        if self.counts.malformed > limits.max_malformed {
            tracing::warn!(
                malformed = self.counts.malformed,
                "too many malformed tool calls"
            );
            return Err(FallbackReason::Malformed);
        }
        Ok(())
    }

    /// What a tool's outcome adds to the turn: figures, orders, escalation.
    fn record(&mut self, call: &ToolCall, outcome: &ToolOutcome) {
        match outcome {
            ToolOutcome::Ok(value) => {
                self.facts.add_json(value);
                if call.name == tools::CREATE_ORDER && value["placed"] == true {
                    self.result.orders_placed += 1;
                }
            }
            ToolOutcome::Escalated { event, result } => {
                self.facts.add_json(result);
                self.result.events.push((**event).clone());
                self.result.escalated = true;
                self.result.escalation_reason = Some("complex_case");
            }
            ToolOutcome::Error(_) => {}
        }
    }
}

/// The start of the error for a tool that does not exist.
const UNKNOWN: &str = "there is no tool called";
/// Longest tool name repeated back to the model.
const MAX_NAME_SHOWN: usize = 64;

/// `call` with its tool's real name and its arguments fitted to the tool's
/// schema, or the error for the model.
fn prepare(mut call: ToolCall) -> (ToolCall, Result<(), String>) {
    let specs = tools::specs();
    let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let Some(name) = repair::canonical_tool_name(&call.name, &known) else {
        let shown: String = call.name.chars().take(MAX_NAME_SHOWN).collect();
        let why = format!(
            "{UNKNOWN} {shown}. The tools are: {}. Call one of them, or answer the shopper.",
            known.join(", ")
        );
        return (call, Err(why));
    };
    call.name = name;
    let Some(spec) = specs.iter().find(|s| s.name == call.name) else {
        let why = format!("{UNKNOWN} {}", call.name);
        return (call, Err(why));
    };
    match coerce::coerce(&call.arguments, &spec.parameters) {
        Ok((arguments, fixes)) => {
            if !fixes.is_empty() {
                tracing::info!(tool = %call.name, ?fixes, "tool arguments fixed");
            }
            call.arguments = arguments.to_string();
            (call, Ok(()))
        }
        Err(why) => {
            let why = format!(
                "invalid arguments for {}: {why}. Call it again with arguments matching its schema.",
                call.name
            );
            (call, Err(why))
        }
    }
}
