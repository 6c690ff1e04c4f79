//! What reaches the operator's terminal: text from outside (a shopper's
//! message, a model's reply, a service's error) shown, never obeyed.
//!
//! A terminal acts on control characters: ESC starts ANSI/OSC sequences
//! (clear the screen, set the window title, move the cursor), `\r`
//! rewrites the line, and the bidi overrides print what follows backwards.
//! [`escape`] writes each of them as `\uXXXX` instead, so the operator sees
//! them and the terminal ignores them; every printer of storectl goes
//! through it ([`crate::write_stdout`], [`crate::write_stderr`]). The escape
//! is also JSON's, so `--json` output (where serde_json already escapes C0
//! but not DEL, C1 or the bidi overrides) stays valid JSON holding the very
//! same text.

use std::{borrow::Cow, fmt::Write as _};

/// Whether a terminal could act on `c`: C0 controls but newline and tab
/// (which the layout uses), DEL, C1 controls, and the bidi embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every [`is_unsafe`] character written as `\uXXXX`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` on one line: [`escape`], and newlines and tabs too, for a value
/// shown inside a line of the layout (a shopper's `\n` must not start a
/// line that looks like storectl's own).
pub fn one_line(text: &str) -> String {
    escape(text).replace('\n', "\\n").replace('\t', "\\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_layout_pass_unchanged() {
        let text = "Olá — 2 × shirt\n\tsize M, 😀";

        assert!(matches!(escape(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn escape_sequences_returns_and_overrides_are_written_out() {
        let shown = escape("a\x1b[2J\x1b]0;t\x07\r\u{202e}b\u{2066}\u{9b}\x7f");

        assert_eq!(
            shown,
            r"a\u001b[2J\u001b]0;t\u0007\u000d\u202eb\u2066\u009b\u007f"
        );
    }

    #[test]
    fn one_line_keeps_a_value_on_its_line() {
        assert_eq!(one_line("a\nb\tc\r"), r"a\nb\tc\u000d");
    }
}
