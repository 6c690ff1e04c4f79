//! What a human seller sends, parsed: a reply's text and the seller's name
//! (parse, don't validate).

/// Longest reply, in characters (WhatsApp's limit for one text message).
pub const MAX_REPLY_CHARS: usize = 4096;
/// Longest agent name or id, in characters.
pub const MAX_AGENT_CHARS: usize = 200;
/// Longest note for the AI seller, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Why input is refused; the message is the 422's detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(String);

/// The text of a human's reply: not blank, at most [`MAX_REPLY_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyText(String);

impl ReplyText {
    /// Parses a reply's text (surrounding whitespace dropped).
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        bounded("text", text, MAX_REPLY_CHARS).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The human seller acting: an id or name, not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent(String);

impl Agent {
    /// Parses an agent's id or name.
    pub fn parse(agent: &str) -> Result<Self, InvalidInput> {
        bounded("agent", agent, MAX_AGENT_CHARS).map(Self)
    }

    /// The agent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A note for the AI seller: absent when blank, at most [`MAX_NOTE_CHARS`].
pub fn parse_note(note: Option<&str>) -> Result<Option<String>, InvalidInput> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(note) => bounded("note", note, MAX_NOTE_CHARS).map(Some),
    }
}

fn bounded(field: &str, value: &str, max: usize) -> Result<String, InvalidInput> {
    let value = value.trim();
    if value.is_empty() {
        return Err(InvalidInput(format!("{field} is empty")));
    }
    if value.chars().count() > max {
        return Err(InvalidInput(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_reply_is_trimmed() {
        assert_eq!(
            ReplyText::parse("  Hi, Ana here \n").unwrap().as_str(),
            "Hi, Ana here"
        );
    }

    #[test]
    fn blank_or_overlong_input_is_refused_with_the_field_named() {
        assert_eq!(
            ReplyText::parse("   ").unwrap_err().to_string(),
            "text is empty"
        );
        assert_eq!(
            Agent::parse(&"a".repeat(MAX_AGENT_CHARS + 1))
                .unwrap_err()
                .to_string(),
            "agent is longer than 200 characters"
        );
    }

    #[test]
    fn a_blank_note_is_no_note() {
        assert_eq!(parse_note(Some("  ")).unwrap(), None);
        assert_eq!(parse_note(None).unwrap(), None);
        assert_eq!(
            parse_note(Some(" refund agreed ")).unwrap().as_deref(),
            Some("refund agreed")
        );
    }
}
