//! Control characters in what shoppers send. PostgreSQL refuses NUL in
//! `text` and `jsonb`, and the other C0 controls (escape sequences, bell,
//! backspace) are never meant as text: they only reach a seller's model or
//! an operator's terminal to do harm.
//!
//! The channels' webhooks are stripped of them ([`strip_controls`]): a
//! refusal would make WhatsApp or Telegram retry the same delivery forever,
//! so the message is kept without them, stored and answered. The web chat,
//! whose client sees our answer, is refused instead ([`has_refused_control`]).
//! Tab, line feed and carriage return are text and are kept.

use serde_json::{Map, Value};

/// Whether `c` is a C0 control character other than tab, line feed and
/// carriage return.
pub fn is_refused_control(c: char) -> bool {
    c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether `text` holds a control character we refuse.
pub fn has_refused_control(text: &str) -> bool {
    text.chars().any(is_refused_control)
}

/// Removes `text`'s refused control characters, in place.
fn stripped(text: &mut String) {
    if has_refused_control(text) {
        text.retain(|c| !is_refused_control(c));
    }
}

/// Removes the refused control characters from every string of `value`,
/// keys included, in place.
pub fn strip_controls(value: &mut Value) {
    match value {
        Value::String(text) => stripped(text),
        Value::Array(items) => items.iter_mut().for_each(strip_controls),
        Value::Object(map) => {
            if map.keys().any(|k| has_refused_control(k)) {
                let old = std::mem::take(map);
                *map = old
                    .into_iter()
                    .map(|(mut k, v)| {
                        stripped(&mut k);
                        (k, v)
                    })
                    .collect::<Map<String, Value>>();
            }
            map.values_mut().for_each(strip_controls);
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nul_and_escapes_are_stripped_everywhere_and_text_whitespace_is_kept() {
        let mut value = json!({
            "te\u{0}xt": "a\u{0}b\u{1b}[2Jc\td\ne\rf",
            "list": ["\u{7}bell", 1, null, {"deep": "\u{0}"}],
        });

        strip_controls(&mut value);

        assert_eq!(
            value,
            json!({
                "text": "ab[2Jc\td\ne\rf",
                "list": ["bell", 1, null, {"deep": ""}],
            })
        );
    }

    #[test]
    fn only_c0_controls_but_tab_lf_cr_are_refused() {
        assert!(has_refused_control("a\u{0}"));
        assert!(has_refused_control("\u{1f}"));
        assert!(!has_refused_control("tab\tnew\nline\r ok ñ 🙂"));
    }
}
