//! The OpenAI chat-completions wire format, also spoken by Ollama, vLLM,
//! llama.cpp server and OpenRouter: `POST {base_url}/chat/completions`.
//!
//! Deviations from a literal mapping, each for a server seen in the wild:
//! - a tool result marked `is_error` is sent with [`TOOL_ERROR_PREFIX`] in
//!   front, since the format has no error flag;
//! - an assistant message that only calls tools is sent with `content: null`
//!   (the documented form);
//! - tool-call `arguments` are passed through as the model wrote them, even
//!   when they are not JSON; only an absent or blank value becomes `{}`, and
//!   an object (some servers send one instead of a string) is serialized;
//! - a reply with tool calls counts as [`StopReason::ToolUse`] even when the
//!   server says `stop` (Ollama does);
//! - missing `usage` counts as zero tokens, missing `model` as the
//!   configured one, a missing tool-call id becomes `call_<index>`.

use reqwest::header::{AUTHORIZATION, HeaderMap};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ChatReply, ChatRequest, LlmClient, LlmConfig, LlmError, Message, Role, StopReason, ToolCall,
    Usage, http::JsonEndpoint,
};

/// Put in front of a tool result that is an error, so the model reads it as one.
pub const TOOL_ERROR_PREFIX: &str = "Error: ";

/// A client for an OpenAI-compatible chat-completions endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiClient {
    endpoint: JsonEndpoint,
    model: String,
}

impl OpenAiClient {
    /// A client for `config.base_url` (e.g. `https://api.openai.com/v1`),
    /// sending `Authorization: Bearer` only when a key is configured.
    pub fn new(config: &LlmConfig) -> Result<Self, LlmError> {
        let mut headers = HeaderMap::new();
        if let Some(key) = &config.api_key {
            use secrecy::ExposeSecret as _;
            super::http::secret_header(
                &mut headers,
                AUTHORIZATION,
                &format!("Bearer {}", key.expose_secret()),
            )?;
        }
        Ok(Self {
            endpoint: JsonEndpoint::new(config, "chat/completions", headers)?,
            model: config.model.clone(),
        })
    }
}

#[async_trait::async_trait]
impl LlmClient for OpenAiClient {
    fn provider(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        let body = request_body(&self.model, request);
        let response: WireResponse = self.endpoint.post(&body).await?;
        parse_reply(response, &self.model)
    }
}

/// The JSON body for `request`.
fn request_body(model: &str, request: &ChatRequest) -> Value {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(json!({"role": "system", "content": request.system}));
    }
    messages.extend(request.messages.iter().map(wire_message));
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": request.max_tokens,
    });
    if !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.parameters,
                    },
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

fn wire_message(message: &Message) -> Value {
    match message.role {
        Role::User => json!({"role": "user", "content": message.content}),
        Role::Assistant if message.tool_calls.is_empty() => {
            json!({"role": "assistant", "content": message.content})
        }
        Role::Assistant => {
            let content = if message.content.is_empty() {
                Value::Null
            } else {
                Value::String(message.content.clone())
            };
            let calls: Vec<Value> = message
                .tool_calls
                .iter()
                .map(|call| {
                    json!({
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    })
                })
                .collect();
            json!({"role": "assistant", "content": content, "tool_calls": calls})
        }
        Role::Tool => {
            let content = if message.is_error {
                format!("{TOOL_ERROR_PREFIX}{}", message.content)
            } else {
                message.content.clone()
            };
            json!({
                "role": "tool",
                "tool_call_id": message.tool_call_id.as_deref().unwrap_or_default(),
                "content": content,
            })
        }
    }
}

#[derive(Debug, Deserialize)]
struct WireResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    /// OpenRouter may answer 200 with an error instead of choices.
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct WireChoice {
    message: WireMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Debug, Deserialize)]
struct WireToolCall {
    #[serde(default)]
    id: Option<String>,
    function: WireFunction,
}

#[derive(Debug, Deserialize)]
struct WireFunction {
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

fn parse_reply(response: WireResponse, configured_model: &str) -> Result<ChatReply, LlmError> {
    let Some(choice) = response.choices.into_iter().next() else {
        return Err(error_without_choices(response.error.as_ref()));
    };
    let tool_calls: Vec<ToolCall> = choice
        .message
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, call)| ToolCall {
            id: call
                .id
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| format!("call_{index}")),
            name: call.function.name,
            arguments: arguments_text(call.function.arguments),
        })
        .collect();
    let stop = match choice.finish_reason.as_deref() {
        _ if !tool_calls.is_empty() => StopReason::ToolUse,
        Some("stop") => StopReason::EndTurn,
        Some("tool_calls" | "function_call") => StopReason::ToolUse,
        Some("length") => StopReason::MaxTokens,
        _ => StopReason::Other,
    };
    let usage = response.usage.map_or_else(Usage::default, |usage| Usage {
        input_tokens: usage.prompt_tokens,
        output_tokens: usage.completion_tokens,
    });
    Ok(ChatReply {
        text: choice.message.content.unwrap_or_default(),
        tool_calls,
        usage,
        model: response
            .model
            .filter(|model| !model.is_empty())
            .unwrap_or_else(|| configured_model.to_owned()),
        stop,
    })
}

/// The model's arguments as it wrote them (see the module docs).
fn arguments_text(arguments: Value) -> String {
    match arguments {
        Value::String(text) if text.trim().is_empty() => "{}".to_owned(),
        Value::String(text) => text,
        Value::Null => "{}".to_owned(),
        other => other.to_string(),
    }
}

/// A 200 without choices: an error in the body (OpenRouter) keeps its status
/// when it has one, so 5xx-like failures are retried.
fn error_without_choices(error: Option<&Value>) -> LlmError {
    let Some(error) = error else {
        return LlmError::Protocol("the answer has no choices".to_owned());
    };
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .map_or_else(|| error.to_string(), str::to_owned);
    match error
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
    {
        Some(status @ 400..=599) => LlmError::Status {
            status,
            message,
            retry_after: None,
        },
        _ => LlmError::Protocol(format!("the answer has no choices: {message}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(body: Value) -> Result<ChatReply, LlmError> {
        parse_reply(serde_json::from_value(body).unwrap(), "configured")
    }

    #[test]
    fn tool_calls_with_finish_reason_stop_are_tool_use() {
        let reply = parse(json!({
            "choices": [{
                "message": {"content": null, "tool_calls": [
                    {"function": {"name": "get_product", "arguments": {"id": "p1"}}}
                ]},
                "finish_reason": "stop",
            }],
        }))
        .unwrap();

        assert_eq!(reply.stop, StopReason::ToolUse);
        assert_eq!(
            reply.tool_calls,
            vec![ToolCall {
                id: "call_0".into(),
                name: "get_product".into(),
                arguments: r#"{"id":"p1"}"#.into(),
            }]
        );
        assert_eq!(reply.model, "configured");
        assert_eq!(reply.usage, Usage::default());
    }

    #[test]
    fn blank_arguments_mean_no_arguments() {
        assert_eq!(arguments_text(json!("")), "{}");
        assert_eq!(arguments_text(Value::Null), "{}");
        assert_eq!(arguments_text(json!("{\"q\": ")), "{\"q\": ");
    }

    #[test]
    fn an_error_instead_of_choices_keeps_its_status() {
        let err = parse(json!({"error": {"code": 502, "message": "upstream down"}})).unwrap_err();

        assert!(
            matches!(&err, LlmError::Status { status: 502, message, .. } if message == "upstream down")
        );
        assert!(err.is_retryable());
    }

    #[test]
    fn no_choices_is_a_protocol_error() {
        let err = parse(json!({"object": "chat.completion"})).unwrap_err();

        assert!(matches!(err, LlmError::Protocol(_)));
    }
}
