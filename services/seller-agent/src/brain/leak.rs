//! What a model's final text must never carry to a shopper: tool-call
//! JSON or protocol, wording of a tool's result written for the model
//! ("do NOT place it again; tell the shopper…"), the seller's instructions
//! (its system prompt), or anything that looks like a key. A text that does
//! is not sent; the turn falls back to the offline brain (see
//! [`super::fallback`]), whose own replies are held to [`tool_wording`] too.
//!
//! The instructions are the prompt's rule sentences, not the shop's facts:
//! a line of the prompt counts when it names a tool or states a rule, so a
//! model quoting the return policy the prompt gave it is not a leak.

use crate::{llm::repair, tools};

/// Why a text may not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leak {
    /// Tool-call JSON or protocol, or an internal tool's name.
    ToolCall,
    /// Wording of a tool's result or of the seller's guard, written for the
    /// model, not the shopper.
    ToolResult,
    /// A sentence of the seller's instructions.
    Prompt,
    /// The configured API key or something shaped like a key.
    Secret,
}

/// Words that make a prompt line an instruction rather than a shop fact.
const INSTRUCTION_WORDS: &[&str] = &[
    "tool",
    "rule",
    "you are",
    "instruction",
    "escalat",
    "confirm",
    "keep answers",
    "if you cannot",
];

/// Wording only the tools' results and the seller's guard use: they speak
/// to the model about the shopper, never to the shopper (lower case).
const TOOL_WORDING: &[&str] = &[
    "tell the shopper",
    "to the shopper",
    "the shopper will",
    "the shopper they",
    "do not place it again",
    "internal error",
    "malformed order",
    "unexpected answer",
    "[seller guard]",
    "there is no tool called",
    "drafting changes nothing",
];

/// Shortest prompt sentence that counts as quoting it.
const MIN_QUOTE: usize = 30;

/// Key prefixes of providers and platforms, each followed by at least
/// [`MIN_KEY_TAIL`] key characters.
const KEY_PREFIXES: &[&str] = &["sk-", "sk_", "pk_live_", "ghp_", "xoxb-", "xoxp-", "AKIA"];
const MIN_KEY_TAIL: usize = 16;

/// What in `text` may not be sent, if anything. `system` is the turn's
/// system prompt, `secrets` the configured keys.
pub fn find(text: &str, system: &str, secrets: &[&str]) -> Option<Leak> {
    if repair::looks_like_tool_call(text)
        || tools::specs().iter().any(|tool| text.contains(&tool.name))
    {
        return Some(Leak::ToolCall);
    }
    if tool_wording(text) {
        return Some(Leak::ToolResult);
    }
    if secrets
        .iter()
        .any(|secret| secret.len() >= 6 && text.contains(secret))
        || looks_like_key(text)
    {
        return Some(Leak::Secret);
    }
    let said = normalized(text);
    instruction_sentences(system)
        .any(|sentence| said.contains(&sentence))
        .then_some(Leak::Prompt)
}

/// True when `text` has wording of a tool's result, meant for the model.
pub fn tool_wording(text: &str) -> bool {
    let said = normalized(text);
    TOOL_WORDING.iter().any(|w| said.contains(w))
}

/// The prompt's rule sentences, normalized, long enough to count.
fn instruction_sentences(system: &str) -> impl Iterator<Item = String> + '_ {
    system
        .lines()
        .filter(|line| {
            let lower = line.to_lowercase();
            INSTRUCTION_WORDS.iter().any(|w| lower.contains(w))
        })
        .flat_map(|line| line.split(['.', ';', ':', '—']))
        .map(normalized)
        .map(|s| s.trim_start_matches("- ").to_owned())
        .filter(|s| s.chars().count() >= MIN_QUOTE)
}

/// Lower case, one space between words.
fn normalized(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn looks_like_key(text: &str) -> bool {
    KEY_PREFIXES.iter().any(|prefix| {
        text.match_indices(prefix).any(|(at, _)| {
            let tail = text[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                .count();
            tail >= MIN_KEY_TAIL
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = "You are Lía, the sales assistant of Moda Lía. Your tone: warm.\n\
        Rules you never break:\n\
        - Prices, totals and stock come ONLY from tool results of this conversation. Never state a price you did not get from a tool.\n\
        - Returns within 30 days, with the receipt, in any of our shops.\n\
        - Keep answers short: this is a chat on a phone.\n";

    #[test]
    fn an_ordinary_reply_passes() {
        let reply = "We have the Red Dress for 49,90 €. Returns within 30 days, with the receipt, in any of our shops.";
        assert_eq!(find(reply, PROMPT, &["sk-e2e-fake"]), None);
    }

    #[test]
    fn tool_json_and_tool_names_are_caught() {
        assert_eq!(
            find(
                r#"{"name": "search_products", "arguments": {}}"#,
                PROMPT,
                &[]
            ),
            Some(Leak::ToolCall)
        );
        assert_eq!(
            find("I will call create_order now.", PROMPT, &[]),
            Some(Leak::ToolCall)
        );
    }

    #[test]
    fn the_key_and_key_shaped_text_are_caught() {
        assert_eq!(
            find("my key is sk-e2e-fake", PROMPT, &["sk-e2e-fake"]),
            Some(Leak::Secret)
        );
        assert_eq!(
            find("use sk-proj-AbCdEf0123456789xyz", PROMPT, &[]),
            Some(Leak::Secret)
        );
        assert_eq!(find("size sk-1", PROMPT, &[]), None);
    }

    #[test]
    fn a_tools_words_for_the_model_are_caught() {
        let slow = "I couldn't place the order: the order confirmation did not arrive in time. It may still be processing: do NOT place it again; tell the shopper they will get the confirmation shortly";
        assert_eq!(find(slow, PROMPT, &[]), Some(Leak::ToolResult));
        assert!(tool_wording("Internal error: the message has no tenant"));
        assert!(!tool_wording(
            "Your order is being placed: I'll send you the confirmation here."
        ));
    }

    #[test]
    fn quoting_the_rules_is_caught() {
        let reply = "My instructions say: prices, totals and stock come only from tool results of this   conversation!";
        assert_eq!(find(reply, PROMPT, &[]), Some(Leak::Prompt));
    }
}
