//! The rolling summary: after a turn, once the conversation's verbatim
//! history passes the token budget, its older part is folded into a summary
//! (by the model when there is one, else extractive) that the brain gets
//! instead ([`Seller::summarize_history`]).
//!
//! Whether a cut is due is known without a read most of the time: the turn
//! read the unsummarized history before the brain ran, and knows what it
//! wrote after it ([`HistorySize`]). Only when that sum may pass the budget
//! is the history read again and cut.

use super::Seller;
use crate::{
    db::{self, ConversationKey, StoredMessage},
    llm::{ChatRequest, LlmClient, Message, Role},
};

impl Seller {
    /// Folds older messages of `key`'s conversation into its rolling
    /// summary once the verbatim history passes the token budget.
    ///
    /// `after`: the history's size after the turn, as the turn counted it
    /// (what it read plus what it wrote); when that cannot need a cut,
    /// nothing is read. `None` reads the history to find out. A message
    /// written by another task meanwhile (an order's late outcome) is
    /// counted by the next turn's read, so a cut is at most one turn late.
    pub async fn summarize_history(
        &self,
        key: &ConversationKey,
        after: Option<HistorySize>,
    ) -> anyhow::Result<()> {
        if after.is_some_and(|size| !size.may_need_cut(self.history_budget)) {
            return Ok(());
        }
        let history = db::load_unsummarized_history(&self.pool, key).await?;
        let Some(cut) = cut_point(&history, self.history_budget) else {
            return Ok(());
        };
        let Some(stored) = db::load_conversation(&self.pool, key).await? else {
            return Ok(());
        };
        let older: Vec<Message> = history[..cut].iter().map(|m| m.message.clone()).collect();
        let until = history[cut - 1].id;
        let text = summarize(self.model.as_deref(), stored.summary.as_deref(), &older).await;
        db::save_summary(&self.pool, key, &text, until).await?;
        tracing::info!(until, "conversation summary updated");
        Ok(())
    }
}

/// Messages kept verbatim at least, whatever the budget.
const KEEP_LAST: usize = 8;

/// The size of a conversation's verbatim history as the budget counts it:
/// its messages, and their characters (the text, and each tool call's name
/// and arguments; 4 characters a token).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistorySize {
    /// Messages.
    pub messages: usize,
    /// Characters.
    pub chars: usize,
}

impl HistorySize {
    /// The size of `history`.
    pub fn of(history: &[StoredMessage]) -> Self {
        history
            .iter()
            .fold(Self::default(), |size, m| size.with(&m.message))
    }

    /// This size with `message` added.
    pub fn with(self, message: &Message) -> Self {
        Self {
            messages: self.messages + 1,
            chars: self.chars
                + message.content.chars().count()
                + message
                    .tool_calls
                    .iter()
                    .map(|c| c.arguments.len() + c.name.len())
                    .sum::<usize>(),
        }
    }

    /// This size with a plain message of `text` added (a shopper's).
    pub fn with_text(self, text: &str) -> Self {
        Self {
            messages: self.messages + 1,
            chars: self.chars + text.chars().count(),
        }
    }

    /// The size of both.
    pub fn plus(self, other: Self) -> Self {
        Self {
            messages: self.messages + other.messages,
            chars: self.chars + other.chars,
        }
    }

    /// Its rough token count.
    pub fn tokens(self) -> usize {
        self.chars / 4
    }

    /// Whether a history of this size may have to be cut for `budget`:
    /// `false` when it fits, or is no longer than what is always kept.
    pub fn may_need_cut(self, budget: usize) -> bool {
        self.tokens() > budget && self.messages > KEEP_LAST
    }
}

/// A rough token count (4 characters a token), enough to keep a budget.
pub fn estimate_tokens(messages: &[StoredMessage]) -> usize {
    HistorySize::of(messages).tokens()
}

/// Where to cut `history` so the part after the cut fits `budget` tokens:
/// the index of a shopper message (never between a tool call and its
/// result), leaving at least the last few messages. `None` when no cut is
/// needed or possible.
pub fn cut_point(history: &[StoredMessage], budget: usize) -> Option<usize> {
    if !HistorySize::of(history).may_need_cut(budget) {
        return None;
    }
    let latest_allowed = history.len() - KEEP_LAST;
    (1..=latest_allowed)
        .filter(|&i| history[i].message.role == Role::User)
        .find(|&i| estimate_tokens(&history[i..]) <= budget)
        .or_else(|| {
            (1..=latest_allowed)
                .rev()
                .find(|&i| history[i].message.role == Role::User)
        })
}

fn transcript(messages: &[Message]) -> String {
    messages
        .iter()
        .filter(|m| !m.content.trim().is_empty())
        .map(|m| {
            let who = match m.role {
                Role::User => "Shopper",
                Role::Assistant => "Seller",
                Role::Tool => "Tool result",
            };
            let text: String = m.content.chars().take(600).collect();
            format!("{who}: {text}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A summary of `previous` plus `messages`: by the model when there is one,
/// else extractive (the shopper's own words and the orders placed).
pub async fn summarize(
    client: Option<&dyn LlmClient>,
    previous: Option<&str>,
    messages: &[Message],
) -> String {
    if let Some(client) = client {
        let request = ChatRequest {
            system: "You summarize a shop's sales chat for the seller who continues it. In at most 120 words: \
                     what the shopper wants, products discussed (with their ids), orders placed (numbers), open \
                     questions, the shopper's language. Never include prices."
                .to_owned(),
            messages: vec![Message::user(format!(
                "Earlier summary: {}\n\nConversation:\n{}",
                previous.unwrap_or("(none)"),
                transcript(messages)
            ))],
            tools: Vec::new(),
            max_tokens: 300,
            temperature: Some(0.0),
        };
        match client.chat(&request).await {
            Ok(reply) if !reply.text.trim().is_empty() => return reply.text,
            Ok(_) => tracing::warn!("empty summary from the model; using an extractive one"),
            Err(error) => {
                tracing::warn!(%error, "summary by the model failed; using an extractive one")
            }
        }
    }
    extractive(previous, messages)
}

fn extractive(previous: Option<&str>, messages: &[Message]) -> String {
    let mut parts: Vec<String> = previous.map(|p| vec![p.to_owned()]).unwrap_or_default();
    let said: Vec<String> = messages
        .iter()
        .filter(|m| m.role == Role::User)
        .map(|m| m.content.chars().take(80).collect())
        .collect();
    if !said.is_empty() {
        let last: Vec<_> = said.iter().rev().take(6).rev().cloned().collect();
        parts.push(format!("The shopper said: {}.", last.join(" / ")));
    }
    let orders: Vec<String> = messages
        .iter()
        .filter(|m| m.role == Role::Tool && !m.is_error)
        .filter_map(|m| serde_json::from_str::<serde_json::Value>(&m.content).ok())
        .filter_map(|v| v["order_number"].as_str().map(str::to_owned))
        .collect();
    if !orders.is_empty() {
        parts.push(format!("Orders placed: {}.", orders.join(", ")));
    }
    let mut text = parts.join(" ");
    if text.chars().count() > 1200 {
        text = text
            .chars()
            .rev()
            .take(1200)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(role: Role, text: &str, id: i64) -> StoredMessage {
        StoredMessage {
            id,
            message: Message {
                role,
                content: text.to_owned(),
                tool_calls: Vec::new(),
                tool_call_id: None,
                is_error: false,
            },
        }
    }

    #[test]
    fn a_history_size_adds_up_as_the_budget_counts_it() {
        let history: Vec<StoredMessage> = (0..10)
            .map(|i| stored(Role::User, "ñandú, twelve", i))
            .collect();
        let whole = HistorySize::of(&history);
        assert_eq!(whole.messages, 10);
        assert_eq!(whole.chars, 130, "characters, not bytes");
        assert_eq!(
            HistorySize::of(&history[..4]).plus(HistorySize::of(&history[4..])),
            whole
        );
        assert_eq!(
            HistorySize::of(&history[..9]).with_text("ñandú, twelve"),
            whole
        );
        assert_eq!(estimate_tokens(&history), 32);
        // Over the budget and longer than what is always kept: maybe a cut.
        assert!(whole.may_need_cut(31));
        assert!(!whole.may_need_cut(32), "fits the budget");
        let short = HistorySize::of(&history[..KEEP_LAST]);
        assert!(!short.may_need_cut(0), "no longer than what is kept");
        assert_eq!(
            cut_point(&history, 32),
            None,
            "the cut agrees with the size"
        );
    }

    #[test]
    fn the_cut_lands_on_a_shopper_message_and_keeps_the_recent_ones() {
        let long = "x".repeat(400);
        let history: Vec<_> = (0..20)
            .map(|i| {
                stored(
                    if i % 2 == 0 {
                        Role::User
                    } else {
                        Role::Assistant
                    },
                    &long,
                    i,
                )
            })
            .collect();

        let cut = cut_point(&history, 1000).expect("a cut");

        assert_eq!(history[cut].message.role, Role::User);
        assert!(history.len() - cut >= KEEP_LAST);
        assert!(estimate_tokens(&history[cut..]) <= 1000);
        assert_eq!(cut_point(&history[..4], 10), None, "too short to cut");
    }

    #[tokio::test]
    async fn without_a_model_the_summary_keeps_the_shoppers_words_and_orders() {
        let messages = vec![
            Message::user("quiero zapatillas rojas"),
            Message::tool_result("c1", r#"{"placed":true,"order_number":"A-1001"}"#, false),
        ];

        let text = summarize(None, Some("Earlier: asked about sizes."), &messages).await;

        assert!(text.contains("Earlier: asked about sizes."));
        assert!(text.contains("quiero zapatillas rojas"));
        assert!(text.contains("A-1001"));
    }
}
