//! Fake OpenAI-compatible and Anthropic servers speaking the real wire
//! formats, driven by a scripted "model": a function from the last message
//! of the conversation to the next answer.
#![allow(dead_code)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use secrecy::SecretString;
use seller_agent::llm::{LlmConfig, Provider};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::method};

/// What the conversation's last message was.
#[derive(Debug, Clone, PartialEq)]
pub enum Last {
    /// The shopper (or the guard's note) said this.
    User(String),
    /// A tool answered this.
    Tool(String),
}

/// What the scripted model does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Say this.
    Text(String),
    /// Call this tool with these (raw) arguments.
    Call(&'static str, String),
    /// Fail with this HTTP status.
    Status(u16),
}

/// The scripted model.
pub type Script = Arc<dyn Fn(&Last) -> Answer + Send + Sync>;

/// A running fake provider and every request body it received.
pub struct FakeLlm {
    pub server: MockServer,
    pub requests: Arc<Mutex<Vec<Value>>>,
    pub provider: Provider,
}

struct Scripted {
    script: Script,
    provider: Provider,
    requests: Arc<Mutex<Vec<Value>>>,
}

fn last_openai(body: &Value) -> Last {
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default();
    match last["role"].as_str() {
        Some("tool") => Last::Tool(last["content"].as_str().unwrap_or_default().to_owned()),
        _ => Last::User(last["content"].as_str().unwrap_or_default().to_owned()),
    }
}

fn last_anthropic(body: &Value) -> Last {
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default();
    if let Some(blocks) = last["content"].as_array() {
        if let Some(result) = blocks.iter().rev().find(|b| b["type"] == "tool_result") {
            let content = match &result["content"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            return Last::Tool(content);
        }
        let text = blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("");
        return Last::User(text);
    }
    Last::User(last["content"].as_str().unwrap_or_default().to_owned())
}

impl Respond for Scripted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        self.requests.lock().unwrap().push(body.clone());
        let n = self.requests.lock().unwrap().len();
        let last = match self.provider {
            Provider::Openai => last_openai(&body),
            Provider::Anthropic => last_anthropic(&body),
        };
        let answer = (self.script)(&last);
        let usage_in = 100 + n as u64;
        match (self.provider, answer) {
            (_, Answer::Status(status)) => ResponseTemplate::new(status)
                .set_body_json(json!({"error": {"type": "server_error", "message": "the fake is down"}})),
            (Provider::Openai, Answer::Text(text)) => ResponseTemplate::new(200).set_body_json(json!({
                "id": format!("chatcmpl-{n}"), "object": "chat.completion", "created": 1, "model": "fake-gpt",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": usage_in, "completion_tokens": 20, "total_tokens": usage_in + 20}
            })),
            (Provider::Openai, Answer::Call(name, args)) => ResponseTemplate::new(200).set_body_json(json!({
                "id": format!("chatcmpl-{n}"), "object": "chat.completion", "created": 1, "model": "fake-gpt",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
                    {"id": format!("call_{n}"), "type": "function", "function": {"name": name, "arguments": args}}
                ]}, "finish_reason": "tool_calls"}],
                "usage": {"prompt_tokens": usage_in, "completion_tokens": 15, "total_tokens": usage_in + 15}
            })),
            (Provider::Anthropic, Answer::Text(text)) => ResponseTemplate::new(200).set_body_json(json!({
                "id": format!("msg_{n}"), "type": "message", "role": "assistant", "model": "fake-claude",
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": null,
                "usage": {"input_tokens": usage_in, "output_tokens": 20}
            })),
            (Provider::Anthropic, Answer::Call(name, args)) => {
                let input: Value = serde_json::from_str(&args).unwrap_or(json!({}));
                ResponseTemplate::new(200).set_body_json(json!({
                    "id": format!("msg_{n}"), "type": "message", "role": "assistant", "model": "fake-claude",
                    "content": [{"type": "tool_use", "id": format!("toolu_{n}"), "name": name, "input": input}],
                    "stop_reason": "tool_use", "stop_sequence": null,
                    "usage": {"input_tokens": usage_in, "output_tokens": 15}
                }))
            }
        }
    }
}

impl FakeLlm {
    /// Starts a fake `provider` answering with `script`.
    pub async fn start(provider: Provider, script: Script) -> Self {
        let server = MockServer::start().await;
        let requests = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("POST"))
            .respond_with(Scripted {
                script,
                provider,
                requests: requests.clone(),
            })
            .mount(&server)
            .await;
        Self {
            server,
            requests,
            provider,
        }
    }

    /// The seller's model configuration for this fake.
    pub fn config(&self) -> LlmConfig {
        let base = match self.provider {
            Provider::Openai => format!("{}/v1", self.server.uri()),
            Provider::Anthropic => self.server.uri(),
        };
        let mut config = LlmConfig::new(self.provider, base, "fake-model");
        config.api_key = Some(SecretString::from("test-key"));
        config.timeout = Duration::from_secs(5);
        config.max_retries = 1;
        config.initial_backoff = Duration::from_millis(20);
        config.max_backoff = Duration::from_millis(100);
        config
    }

    /// Bodies of every request so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }
}
