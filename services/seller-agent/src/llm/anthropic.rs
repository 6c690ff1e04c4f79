//! The Anthropic Messages API: `POST {base_url}/v1/messages`.
//!
//! Our flat conversation is reshaped into what the API requires:
//! - roles alternate, so adjacent messages of the same role are merged into
//!   one message of content blocks; tool results are `user` content, so a run
//!   of tool results (and a shopper message right after them) becomes one
//!   `user` message, with the `tool_result` blocks first as the API demands;
//! - empty text is never sent (the API rejects empty text blocks), and a
//!   message left with no blocks at all is dropped;
//! - a `tool_use` block's `input` must be a JSON object. Our stored
//!   arguments are the model's own text and may not be one (a malformed call,
//!   or history from another provider). Sending `{}` would show the model a
//!   well-formed call next to a tool result saying it was malformed, so the
//!   text is kept instead, as `{"unparsed_arguments": "<text>"}`
//!   ([`UNPARSED_ARGUMENTS`]): the model sees what it wrote and why it failed.
//!
//! Usage counts cached prompt tokens as input, like OpenAI's `prompt_tokens`.

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    ChatReply, ChatRequest, LlmClient, LlmConfig, LlmError, Message, Role, StopReason, ToolCall,
    Usage,
    http::{JsonEndpoint, secret_header},
};

/// The API version we speak.
pub const API_VERSION: &str = "2023-06-01";

/// The `tool_use` input key holding stored arguments that are not a JSON
/// object (see the module docs).
pub const UNPARSED_ARGUMENTS: &str = "unparsed_arguments";

/// A client for the Anthropic Messages API.
#[derive(Debug, Clone)]
pub struct AnthropicClient {
    endpoint: JsonEndpoint,
    model: String,
}

impl AnthropicClient {
    /// A client for `config.base_url` (e.g. `https://api.anthropic.com`).
    pub fn new(config: &LlmConfig) -> Result<Self, LlmError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static(API_VERSION),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &config.api_key {
            use secrecy::ExposeSecret as _;
            secret_header(
                &mut headers,
                HeaderName::from_static("x-api-key"),
                key.expose_secret(),
            )?;
        }
        Ok(Self {
            endpoint: JsonEndpoint::new(config, "v1/messages", headers)?,
            model: config.model.clone(),
        })
    }
}

#[async_trait::async_trait]
impl LlmClient for AnthropicClient {
    fn provider(&self) -> &str {
        "anthropic"
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        let body = request_body(&self.model, request);
        let response: WireResponse = self.endpoint.post(&body).await?;
        Ok(parse_reply(response))
    }
}

/// The JSON body for `request`.
fn request_body(model: &str, request: &ChatRequest) -> Value {
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": wire_messages(&request.messages),
    });
    if !request.system.is_empty() {
        body["system"] = json!(request.system);
    }
    if !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "input_schema": tool.parameters,
                })
            })
            .collect();
        body["tools"] = Value::Array(tools);
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    body
}

/// One API message under construction.
struct Turn {
    role: &'static str,
    blocks: Vec<Value>,
}

fn wire_messages(messages: &[Message]) -> Vec<Value> {
    let mut turns: Vec<Turn> = Vec::new();
    for message in messages {
        let (role, blocks) = blocks(message);
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some(last) if last.role == role => last.blocks.extend(blocks),
            _ => turns.push(Turn { role, blocks }),
        }
    }
    turns.into_iter().map(wire_turn).collect()
}

fn blocks(message: &Message) -> (&'static str, Vec<Value>) {
    let text =
        || (!message.content.is_empty()).then(|| json!({"type": "text", "text": message.content}));
    match message.role {
        Role::User => ("user", text().into_iter().collect()),
        Role::Assistant => {
            let mut blocks: Vec<Value> = text().into_iter().collect();
            blocks.extend(message.tool_calls.iter().map(|call| {
                json!({
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": tool_input(&call.arguments),
                })
            }));
            ("assistant", blocks)
        }
        Role::Tool => {
            let result = json!({
                "type": "tool_result",
                "tool_use_id": message.tool_call_id.as_deref().unwrap_or_default(),
                "content": message.content,
                "is_error": message.is_error,
            });
            ("user", vec![result])
        }
    }
}

/// The `input` object for stored `arguments` (see the module docs).
fn tool_input(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(object @ Value::Object(_)) => object,
        _ => {
            let mut wrapped = Map::new();
            wrapped.insert(
                UNPARSED_ARGUMENTS.to_owned(),
                Value::String(arguments.to_owned()),
            );
            Value::Object(wrapped)
        }
    }
}

fn wire_turn(turn: Turn) -> Value {
    let Turn { role, mut blocks } = turn;
    if role == "user" {
        // Tool results must open a user message; the sort is stable.
        blocks.sort_by_key(|block| block["type"] != "tool_result");
    }
    let content = match blocks.as_slice() {
        [only] if only["type"] == "text" => only["text"].clone(),
        _ => Value::Array(blocks),
    };
    json!({"role": role, "content": content})
}

#[derive(Debug, Deserialize)]
struct WireResponse {
    model: String,
    content: Vec<WireBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    usage: WireUsage,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireBlock {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// Thinking and server-tool blocks: not part of the answer.
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    input_tokens: u64,
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

fn parse_reply(response: WireResponse) -> ChatReply {
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for block in response.content {
        match block {
            WireBlock::Text { text: part } => text.push_str(&part),
            WireBlock::ToolUse { id, name, input } => tool_calls.push(ToolCall {
                id,
                name,
                arguments: input.to_string(),
            }),
            WireBlock::Other => {}
        }
    }
    let stop = match response.stop_reason.as_deref() {
        Some("end_turn") => StopReason::EndTurn,
        Some("tool_use") => StopReason::ToolUse,
        Some("max_tokens") => StopReason::MaxTokens,
        _ => StopReason::Other,
    };
    let usage = &response.usage;
    let cached =
        usage.cache_creation_input_tokens.unwrap_or(0) + usage.cache_read_input_tokens.unwrap_or(0);
    ChatReply {
        text,
        tool_calls,
        usage: Usage {
            input_tokens: usage.input_tokens + cached,
            output_tokens: usage.output_tokens,
        },
        model: response.model,
        stop,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn call(id: &str, arguments: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: "get_product".into(),
            arguments: arguments.into(),
        }
    }

    #[test]
    fn roles_alternate_and_tool_results_open_the_user_message() {
        let messages = vec![
            Message::user("hi"),
            Message::user("anyone?"),
            Message::assistant("", vec![call("t1", r#"{"id":"a"}"#), call("t2", "{}")]),
            Message::tool_result("t1", "ok", false),
            Message::tool_result("t2", "no such product", true),
            Message::user("and?"),
        ];

        let wire = wire_messages(&messages);

        assert_eq!(
            Value::Array(wire),
            json!([
                {"role": "user", "content": [
                    {"type": "text", "text": "hi"},
                    {"type": "text", "text": "anyone?"},
                ]},
                {"role": "assistant", "content": [
                    {"type": "tool_use", "id": "t1", "name": "get_product", "input": {"id": "a"}},
                    {"type": "tool_use", "id": "t2", "name": "get_product", "input": {}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": "ok", "is_error": false},
                    {"type": "tool_result", "tool_use_id": "t2", "content": "no such product", "is_error": true},
                    {"type": "text", "text": "and?"},
                ]},
            ])
        );
    }

    #[test]
    fn empty_messages_are_dropped() {
        let messages = vec![
            Message::user("hi"),
            Message::assistant("", vec![]),
            Message::user("hello?"),
        ];

        let wire = wire_messages(&messages);

        assert_eq!(wire.len(), 1);
        assert_eq!(wire[0]["content"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn arguments_that_are_not_an_object_are_kept_as_text() {
        assert_eq!(
            tool_input(r#"{"q": "red"#),
            json!({"unparsed_arguments": r#"{"q": "red"#})
        );
        assert_eq!(tool_input("[1]"), json!({"unparsed_arguments": "[1]"}));
        assert_eq!(tool_input(r#"{"q":"red"}"#), json!({"q": "red"}));
    }

    #[test]
    fn thinking_blocks_are_skipped_and_cached_tokens_count_as_input() {
        let response: WireResponse = serde_json::from_value(json!({
            "model": "claude-x",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "s"},
                {"type": "text", "text": "Hello"},
                {"type": "text", "text": " there"},
            ],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 5},
        }))
        .unwrap();

        let reply = parse_reply(response);

        assert_eq!(reply.text, "Hello there");
        assert_eq!(
            reply.usage,
            Usage {
                input_tokens: 15,
                output_tokens: 3
            }
        );
        assert_eq!(reply.stop, StopReason::EndTurn);
    }
}
