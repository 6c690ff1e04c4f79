//! What the brand's model is asked when a human seller wants a suggested
//! reply (`store.sales.draft`): the drafting rules added to the persona's
//! system prompt, and the conversation as the inbox holds it written out as
//! one message, whoever said what.

use store_events::data::{Role, TranscriptMessage};

/// Messages of the transcript given to the model, the latest kept.
pub const MAX_MESSAGES: usize = 30;

/// Characters kept of one message.
const MAX_CHARS: usize = 1_000;

/// Added to the persona's system prompt for a draft.
pub const DRAFTING_RULES: &str = "\nNow you are not talking to the shopper. A human seller of the team has taken this \
conversation over and asks you to draft their next message to the shopper. Write only that message, in the \
shopper's language, ready to send as it is: no preamble, no quotes, no notes to the human. You have no tools now: \
do not state prices, totals, stock or discounts (the human adds figures from the catalog), and do not promise \
orders, cancellations or refunds: the human decides.\n";

/// The conversation for the model: one line per message, oldest first,
/// each saying who wrote it; at most the last [`MAX_MESSAGES`].
pub fn transcript_prompt(messages: &[TranscriptMessage]) -> String {
    let start = messages.len().saturating_sub(MAX_MESSAGES);
    let lines: Vec<String> = messages[start..]
        .iter()
        .filter(|m| !m.text.trim().is_empty())
        .map(|m| {
            let who = match m.role {
                Role::Customer => "Shopper",
                Role::Ai => "You (the AI seller)",
                Role::Human => "The human seller",
                Role::System => "Shop notice",
            };
            let text: String = m.text.trim().chars().take(MAX_CHARS).collect();
            format!("{who}: {text}")
        })
        .collect();
    let conversation = if lines.is_empty() {
        "(no messages yet)".to_owned()
    } else {
        lines.join("\n")
    };
    format!(
        "The conversation so far, oldest first:\n{conversation}\n\nDraft the human seller's next message to the shopper."
    )
}

/// What the shopper said last, if they said anything.
pub fn shoppers_last_words(messages: &[TranscriptMessage]) -> Option<&str> {
    messages
        .iter()
        .rev()
        .find(|m| m.role == Role::Customer && !m.text.trim().is_empty())
        .map(|m| m.text.as_str())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn said(role: Role, text: &str) -> TranscriptMessage {
        TranscriptMessage {
            role,
            text: text.to_owned(),
            at: Utc::now(),
        }
    }

    #[test]
    fn the_transcript_says_who_wrote_each_message_oldest_first() {
        let messages = [
            said(Role::Customer, "Hola, ¿tienen zapatillas?"),
            said(Role::Ai, "¡Sí! ¿Qué talla?"),
            said(Role::System, "   "),
            said(Role::Human, "Hola, soy Bruno."),
        ];

        let prompt = transcript_prompt(&messages);

        assert_eq!(
            prompt,
            "The conversation so far, oldest first:\n\
             Shopper: Hola, ¿tienen zapatillas?\n\
             You (the AI seller): ¡Sí! ¿Qué talla?\n\
             The human seller: Hola, soy Bruno.\n\n\
             Draft the human seller's next message to the shopper."
        );
    }

    #[test]
    fn only_the_latest_messages_are_given() {
        let messages: Vec<_> = (0..MAX_MESSAGES + 5)
            .map(|i| said(Role::Customer, &format!("message {i}")))
            .collect();

        let prompt = transcript_prompt(&messages);

        assert!(!prompt.contains("message 4\n"), "{prompt}");
        assert!(prompt.contains("message 5\n"), "{prompt}");
        assert!(prompt.contains(&format!("message {}\n", MAX_MESSAGES + 4)));
    }

    #[test]
    fn the_shoppers_last_words_skip_the_sellers_and_empty_messages() {
        let messages = [
            said(Role::Customer, "quiero unas zapatillas"),
            said(Role::Ai, "¿Qué talla?"),
            said(Role::Customer, " "),
            said(Role::Human, "Hola"),
        ];

        assert_eq!(
            shoppers_last_words(&messages),
            Some("quiero unas zapatillas")
        );
        assert_eq!(shoppers_last_words(&messages[1..2]), None);
    }
}
