//! Tool calls that small local models write as text instead of using the
//! protocol's `tool_calls`: found in the reply's `content` and turned into
//! [`ToolCall`]s, so they run like any other call and never reach the
//! shopper as text.
//!
//! Shapes seen in the wild, all handled the same way (wrappers stripped,
//! then every JSON value in what is left read as calls):
//! - bare JSON: `{"name": "search_products", "arguments": {…}}`, with
//!   `parameters` (Llama 3.1), `args`, `input` or `tool_input` instead of
//!   `arguments`, or the OpenAI shape `{"type": "function", "function":
//!   {…}}`, or `{"tool_calls": […]}`, or an array of calls;
//! - in a Markdown fence (```` ```json … ``` ````);
//! - Hermes/Qwen `<tool_call>…</tool_call>` tags;
//! - Llama 3.1 `<|python_tag|>…` and `<function=name>{…}</function>`;
//! - Mistral `[TOOL_CALLS] […]`.
//!
//! `<think>…</think>` blocks (reasoning models) are removed first: they are
//! never a reply. A JSON object counts as a call only when it has a
//! tool-name key and an arguments key (or the OpenAI `function` shape), so a
//! product the model echoes is not mistaken for one.

use serde_json::Value;

use super::ToolCall;

/// Wrappers around written tool calls, removed before the JSON is read.
const WRAPPERS: &[&str] = &[
    "<tool_call>",
    "</tool_call>",
    "<tool_calls>",
    "</tool_calls>",
    "<|python_tag|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "[TOOL_CALLS]",
    "<tools>",
    "</tools>",
    "```json",
    "```JSON",
    "```",
];

/// Keys that name the tool in a written call.
const NAME_KEYS: &[&str] = &["name", "tool", "tool_name", "function", "action"];
/// Keys that hold the arguments of a written call.
const ARGUMENT_KEYS: &[&str] = &[
    "arguments",
    "parameters",
    "args",
    "input",
    "tool_input",
    "action_input",
];

/// Tool calls found in a reply's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The calls, in the order written; ids are `written_<n>`.
    pub calls: Vec<ToolCall>,
    /// What is left of the text once the calls and their wrappers are gone.
    pub prose: String,
}

/// `text` without `<think>…</think>` blocks (an unclosed one runs to the
/// end), trimmed.
pub fn without_thinking(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let Some(start) = find_ci(rest, "<think>") else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..start]);
        let after = &rest[start + "<think>".len()..];
        match find_ci(after, "</think>") {
            Some(end) => rest = &after[end + "</think>".len()..],
            None => break,
        }
    }
    // A closing tag without its opening (the server ate it): everything
    // before it was thinking.
    match find_ci(&out, "</think>") {
        Some(end) => out[end + "</think>".len()..].trim().to_owned(),
        None => out.trim().to_owned(),
    }
}

/// The tool calls written in `text`, when there are any.
pub fn tool_calls_in_text(text: &str) -> Option<Repaired> {
    let mut text = without_thinking(text);
    let mut calls = Vec::new();
    function_tags(&mut text, &mut calls);
    for wrapper in WRAPPERS {
        text = text.replace(wrapper, " ");
    }
    let mut prose = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find(['{', '[']) {
        let (before, candidate) = rest.split_at(start);
        let mut values = serde_json::Deserializer::from_str(candidate).into_iter::<Value>();
        match values.next() {
            Some(Ok(value)) => {
                let used = values.byte_offset();
                let found = calls_in(&value);
                prose.push_str(before);
                if found.is_empty() {
                    prose.push_str(&candidate[..used]);
                } else {
                    calls.extend(found);
                }
                rest = &candidate[used..];
            }
            _ => {
                prose.push_str(before);
                prose.push_str(&candidate[..1]);
                rest = &candidate[1..];
            }
        }
    }
    prose.push_str(rest);
    if calls.is_empty() {
        return None;
    }
    for (index, call) in calls.iter_mut().enumerate() {
        call.id = format!("written_{index}");
    }
    Some(Repaired {
        calls,
        prose: prose.split_whitespace().collect::<Vec<_>>().join(" "),
    })
}

/// True when `text` still looks like a tool call or its protocol (after
/// repair found nothing runnable): such a text is never sent to a shopper.
pub fn looks_like_tool_call(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "tool_call",
        "<function",
        "python_tag",
        "[tool_calls]",
        "\"arguments\"",
        "\"parameters\"",
        "{\"name\"",
        "{ \"name\"",
        "\"function\":",
    ]
    .iter()
    .any(|marker| lower.contains(marker))
}

/// The known tool `name` means: exact, or after dropping a `functions.`
/// style prefix, case, dashes, spaces and camelCase.
pub fn canonical_tool_name(name: &str, known: &[&str]) -> Option<String> {
    if let Some(exact) = known.iter().find(|k| **k == name) {
        return Some((*exact).to_owned());
    }
    let base = name.trim().rsplit(['.', ':', '/']).next().unwrap_or(name);
    let mut snake = String::with_capacity(base.len() + 4);
    for (i, c) in base.chars().enumerate() {
        if c.is_uppercase() && i > 0 && !snake.ends_with('_') {
            snake.push('_');
        }
        match c {
            '-' | ' ' => snake.push('_'),
            c => snake.extend(c.to_lowercase()),
        }
    }
    known.iter().find(|k| **k == snake).map(|k| (*k).to_owned())
}

/// Llama 3.1's `<function=name>{args}</function>`: taken out of `text`.
fn function_tags(text: &mut String, calls: &mut Vec<ToolCall>) {
    while let Some(start) = text.find("<function=") {
        let head = &text[start + "<function=".len()..];
        let Some(close) = head.find('>') else { break };
        let name = head[..close].trim().to_owned();
        let body_start = start + "<function=".len() + close + 1;
        let (body_end, tail) = match text[body_start..].find("</function>") {
            Some(end) => (body_start + end, body_start + end + "</function>".len()),
            None => (text.len(), text.len()),
        };
        let arguments = text[body_start..body_end].trim();
        calls.push(ToolCall {
            id: String::new(),
            name,
            arguments: if arguments.is_empty() {
                "{}".to_owned()
            } else {
                arguments.to_owned()
            },
        });
        text.replace_range(start..tail, " ");
    }
}

/// The calls a JSON value written by the model describes.
fn calls_in(value: &Value) -> Vec<ToolCall> {
    match value {
        Value::Array(items) => items.iter().flat_map(calls_in).collect(),
        Value::Object(map) => {
            if let Some(Value::Array(items)) = map.get("tool_calls") {
                return items.iter().flat_map(calls_in).collect();
            }
            if let Some(function @ Value::Object(_)) = map.get("function") {
                return calls_in(function);
            }
            let name = NAME_KEYS
                .iter()
                .find_map(|key| map.get(*key).and_then(Value::as_str));
            let arguments = ARGUMENT_KEYS.iter().find_map(|key| map.get(*key));
            match (name, arguments) {
                (Some(name), Some(arguments)) if !name.trim().is_empty() => vec![ToolCall {
                    id: String::new(),
                    name: name.trim().to_owned(),
                    arguments: match arguments {
                        Value::String(text) if text.trim().is_empty() => "{}".to_owned(),
                        Value::String(text) => text.clone(),
                        Value::Null => "{}".to_owned(),
                        other => other.to_string(),
                    },
                }],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// Byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn one(text: &str) -> (String, String, String) {
        let repaired = tool_calls_in_text(text).unwrap_or_else(|| panic!("no call in {text:?}"));
        assert_eq!(repaired.calls.len(), 1, "{repaired:?}");
        let call = repaired.calls[0].clone();
        let args: Value = serde_json::from_str(&call.arguments).unwrap();
        (call.name, args.to_string(), repaired.prose)
    }

    const WANT: &str = r#"{"query":"sneakers"}"#;

    #[test]
    fn bare_json_in_content_is_a_call() {
        let (name, args, prose) =
            one(r#"{"name": "search_products", "arguments": {"query": "sneakers"}}"#);
        assert_eq!(
            (name.as_str(), args.as_str(), prose.as_str()),
            ("search_products", WANT, "")
        );
    }

    #[test]
    fn a_fenced_call_with_prose_around_it_keeps_the_prose() {
        let text = "Let me look that up!\n```json\n{\"name\": \"search_products\", \"arguments\": {\"query\": \"sneakers\"}}\n```";
        let (name, args, prose) = one(text);
        assert_eq!(name, "search_products");
        assert_eq!(args, WANT);
        assert_eq!(prose, "Let me look that up!");
    }

    #[test]
    fn hermes_and_qwen_tags_are_calls() {
        let text = "<tool_call>\n{\"name\": \"search_products\", \"arguments\": {\"query\": \"sneakers\"}}\n</tool_call>";
        assert_eq!(one(text).1, WANT);
    }

    #[test]
    fn llama_parameters_and_python_tag_are_calls() {
        let text = r#"<|python_tag|>{"type": "function", "name": "search_products", "parameters": {"query": "sneakers"}}<|eom_id|>"#;
        assert_eq!(one(text).1, WANT);
        let text = r#"<function=search_products>{"query": "sneakers"}</function>"#;
        let (name, args, _) = one(text);
        assert_eq!((name.as_str(), args.as_str()), ("search_products", WANT));
    }

    #[test]
    fn openai_shape_and_mistral_arrays_are_calls() {
        let text = r#"{"tool_calls": [{"type": "function", "function": {"name": "search_products", "arguments": "{\"query\": \"sneakers\"}"}}]}"#;
        assert_eq!(one(text).1, WANT);
        let text = r#"[TOOL_CALLS] [{"name": "search_products", "arguments": {"query": "sneakers"}}, {"name": "get_customer_orders", "arguments": {}}]"#;
        let repaired = tool_calls_in_text(text).unwrap();
        let names: Vec<_> = repaired.calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["search_products", "get_customer_orders"]);
        assert_eq!(repaired.calls[1].id, "written_1");
    }

    #[test]
    fn thinking_is_dropped_before_reading_calls() {
        let text = "<think>The shopper wants {\"name\": \"x\", \"arguments\": {}} maybe</think>\n{\"name\": \"search_products\", \"arguments\": {\"query\": \"sneakers\"}}";
        assert_eq!(one(text).0, "search_products");
        assert_eq!(without_thinking("<think>hmm</think>  Hi!"), "Hi!");
        assert_eq!(without_thinking("<think>only thinking, never closed"), "");
        assert_eq!(without_thinking("reasoning…</think>Hello"), "Hello");
    }

    #[test]
    fn a_product_or_plain_text_is_not_a_call() {
        assert_eq!(
            tool_calls_in_text("We have the Red Dress for 49,90 €."),
            None
        );
        assert_eq!(
            tool_calls_in_text(r#"Here: {"name": "Red Dress", "price": "49,90 €"}"#),
            None
        );
        assert_eq!(tool_calls_in_text("sizes {36, 38} and [S, M]"), None);
    }

    #[test]
    fn leftover_protocol_is_recognised() {
        assert!(looks_like_tool_call(
            r#"{"name": "search_products", "arguments": "#
        ));
        assert!(looks_like_tool_call("<tool_call>oops"));
        assert!(!looks_like_tool_call(
            "The Red Dress is 49,90 €, shall I reserve it?"
        ));
    }

    #[test]
    fn tool_names_are_recognised_in_other_spellings() {
        let known = ["search_products", "get_product"];
        assert_eq!(
            canonical_tool_name("functions.search_products", &known).as_deref(),
            Some("search_products")
        );
        assert_eq!(
            canonical_tool_name("searchProducts", &known).as_deref(),
            Some("search_products")
        );
        assert_eq!(
            canonical_tool_name("Get-Product", &known).as_deref(),
            Some("get_product")
        );
        assert_eq!(canonical_tool_name("find_shoes", &known), None);
    }
}
