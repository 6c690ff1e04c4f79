//! A fake OpenAI-compatible model for the seller under test: a wiremock
//! server speaking the real chat-completions wire format that answers every
//! request with one text, after a delay when asked (a slow model holds a
//! turn in flight), or fails with a status; or, scripted, answers each
//! request as a function of it (what a misbehaving model replays).

use std::time::Duration;

use secrecy::SecretString;
use seller_agent::llm::{LlmConfig, Provider};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

/// The fake model, running.
pub struct FakeModel {
    server: MockServer,
}

/// A chat completion whose answer is `text`.
pub fn completion(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_763_856_000,
        "model": "fake-gpt",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 120, "completion_tokens": 20, "total_tokens": 140}
    }))
}

/// A chat completion calling `name` with `arguments` (as written) through
/// the protocol's `tool_calls`.
pub fn tool_call(name: &str, arguments: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_763_856_000,
        "model": "fake-gpt",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": null,
                "tool_calls": [{
                    "id": format!("call_{}", uuid::Uuid::new_v4().simple()),
                    "type": "function",
                    "function": {"name": name, "arguments": arguments}
                }]
            },
            "finish_reason": "tool_calls"
        }],
        "usage": {"prompt_tokens": 120, "completion_tokens": 20, "total_tokens": 140}
    }))
}

impl FakeModel {
    /// Answers each request with `script(body)`.
    pub async fn scripted(
        script: impl Fn(&Value) -> ResponseTemplate + Send + Sync + 'static,
    ) -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(move |request: &Request| {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                script(&body)
            })
            .mount(&server)
            .await;
        Self { server }
    }

    async fn with(responses: Vec<(ResponseTemplate, Option<u64>)>) -> Self {
        let server = MockServer::start().await;
        for (response, times) in responses {
            let mock = Mock::given(method("POST"))
                .and(path("/v1/chat/completions"))
                .respond_with(response);
            let mock = match times {
                Some(n) => mock.up_to_n_times(n),
                None => mock,
            };
            mock.mount(&server).await;
        }
        Self { server }
    }

    /// Answers `text` at once, every time.
    pub async fn answering(text: &str) -> Self {
        Self::with(vec![(completion(text), None)]).await
    }

    /// Answers its first request only after `delay`, the others at once;
    /// always `text`.
    pub async fn slow_first(delay: Duration, text: &str) -> Self {
        Self::with(vec![
            (completion(text).set_delay(delay), Some(1)),
            (completion(text), None),
        ])
        .await
    }

    /// Fails every request with `status`.
    pub async fn failing(status: u16) -> Self {
        let error = ResponseTemplate::new(status).set_body_json(
            json!({"error": {"type": "server_error", "message": "the fake is down"}}),
        );
        Self::with(vec![(error, None)]).await
    }

    /// The seller's model configuration for this fake: short timeouts, one
    /// quick retry.
    pub fn config(&self) -> LlmConfig {
        let mut config = LlmConfig::new(
            Provider::Openai,
            format!("{}/v1", self.server.uri()),
            "fake-gpt",
        );
        config.api_key = Some(SecretString::from("sk-test"));
        config.timeout = Duration::from_secs(15);
        config.max_retries = 1;
        config.initial_backoff = Duration::from_millis(20);
        config.max_backoff = Duration::from_millis(100);
        config
    }

    /// The bodies of the requests received so far.
    pub async fn requests(&self) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}
