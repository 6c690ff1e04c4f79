//! A fake OpenAI-compatible chat-completions server on loopback, speaking
//! the real wire format (tool calls, usage), with a small scripted model:
//! a shopper's message becomes a `search_products` call with their words,
//! and a search result becomes a sentence naming the first product and its
//! price exactly as the tool gave it.

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

/// The API key the sellers must send.
pub const API_KEY: &str = "sk-e2e-fake";

/// Starts the server; its base URL (`…/v1`) goes in `LLM_BASE_URL`.
pub async fn start() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/v1/chat/completions"))
        .and(matchers::header(
            "authorization",
            format!("Bearer {API_KEY}").as_str(),
        ))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(completion(&answer(&body)))
        })
        .mount(&server)
        .await;
    server
}

/// The base URL to configure.
pub fn base_url(server: &MockServer) -> String {
    format!("{}/v1", server.uri())
}

enum Answer {
    Call(&'static str, Value),
    Text(String),
}

fn answer(body: &Value) -> Answer {
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default();
    if last["role"] == "tool" {
        let result: Value =
            serde_json::from_str(last["content"].as_str().unwrap_or_default()).unwrap_or_default();
        let first = result["products"]
            .as_array()
            .and_then(|p| p.first())
            .cloned()
            .unwrap_or_default();
        return match (first["name"].as_str(), first["price"]["display"].as_str()) {
            (Some(name), Some(price)) => Answer::Text(format!("We have {name} for {price}.")),
            _ => Answer::Text("I could not find that, sorry.".to_owned()),
        };
    }
    let said = last["content"].as_str().unwrap_or_default();
    Answer::Call("search_products", json!({ "query": said }))
}

fn completion(answer: &Answer) -> Value {
    let (message, finish) = match answer {
        Answer::Call(name, arguments) => (
            json!({
                "role": "assistant",
                "content": null,
                "tool_calls": [{
                    "id": format!("call_{}", uuid::Uuid::new_v4().simple()),
                    "type": "function",
                    "function": { "name": name, "arguments": arguments.to_string() },
                }],
            }),
            "tool_calls",
        ),
        Answer::Text(text) => (json!({ "role": "assistant", "content": text }), "stop"),
    };
    json!({
        "id": format!("chatcmpl-{}", uuid::Uuid::new_v4().simple()),
        "object": "chat.completion",
        "created": chrono::Utc::now().timestamp(),
        "model": "fake-e2e",
        "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
        "usage": { "prompt_tokens": 120, "completion_tokens": 12, "total_tokens": 132 },
    })
}
