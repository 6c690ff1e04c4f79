//! A fake OpenAI-compatible chat-completions server on loopback, speaking
//! the real wire format (tool calls, usage), with a small scripted model:
//! a shopper's message becomes a `search_products` call with their words,
//! and a search result becomes a sentence naming the first product and its
//! price exactly as the tool gave it.
//!
//! [`start_misbehaving`] serves the same model gone wrong the ways small
//! local models go wrong, one [`Misbehaviour`] per shopper (named after it:
//! the system prompt carries the shopper's name).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

/// The API key the sellers must send.
pub const API_KEY: &str = "sk-e2e-fake";

/// Starts the server; its base URL (`…/v1`) goes in `LLM_BASE_URL`.
pub async fn start() -> MockServer {
    let server = MockServer::start().await;
    serve_scripted(&server, Duration::ZERO).await;
    server
}

/// [`start`] for a load run: each answer sent after `delay` (a hosted
/// model's latency; the load generator's `--llm-delay-ms`), and no request
/// kept (hours of them would only grow the process).
pub async fn start_with_delay(delay: Duration) -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    serve_scripted(&server, delay).await;
    server
}

/// Mounts the scripted model on `server`.
async fn serve_scripted(server: &MockServer, delay: Duration) {
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/v1/chat/completions"))
        .and(matchers::header(
            "authorization",
            format!("Bearer {API_KEY}").as_str(),
        ))
        .respond_with(move |request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200)
                .set_body_json(completion(&answer(&body)))
                .set_delay(delay)
        })
        .mount(server)
        .await;
}

/// What a misbehaving model does; a shopper whose name is the variant's
/// [`Misbehaviour::name`] gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// The call as bare JSON in `content`.
    JsonInContent,
    /// The call in a ```` ```json ```` fence, after a sentence.
    FencedJson,
    /// The call in Hermes/Qwen `<tool_call>` tags.
    ToolCallTags,
    /// A tool that does not exist, then the right one once told.
    UnknownTool,
    /// Numbers and booleans as strings, an extra field, a camelCase name.
    WrongArgumentTypes,
    /// The same search, again and again.
    SameCallForever,
    /// An empty answer, every time.
    Empty,
    /// Only a `<think>` block, every time.
    ThinkingOnly,
    /// No answer for a minute.
    Hang,
    /// A 500, then a body that is not the protocol's JSON.
    ServerErrorThenGarbage,
    /// Its instructions and the API key, as the answer.
    LeaksPromptAndKey,
}

impl Misbehaviour {
    /// Every misbehaviour.
    pub const ALL: [Misbehaviour; 11] = [
        Misbehaviour::JsonInContent,
        Misbehaviour::FencedJson,
        Misbehaviour::ToolCallTags,
        Misbehaviour::UnknownTool,
        Misbehaviour::WrongArgumentTypes,
        Misbehaviour::SameCallForever,
        Misbehaviour::Empty,
        Misbehaviour::ThinkingOnly,
        Misbehaviour::Hang,
        Misbehaviour::ServerErrorThenGarbage,
        Misbehaviour::LeaksPromptAndKey,
    ];

    /// The shopper's name that selects it.
    pub fn name(self) -> &'static str {
        match self {
            Misbehaviour::JsonInContent => "json-in-content",
            Misbehaviour::FencedJson => "fenced-json",
            Misbehaviour::ToolCallTags => "tool-call-tags",
            Misbehaviour::UnknownTool => "unknown-tool",
            Misbehaviour::WrongArgumentTypes => "wrong-types",
            Misbehaviour::SameCallForever => "same-call",
            Misbehaviour::Empty => "empty",
            Misbehaviour::ThinkingOnly => "thinking-only",
            Misbehaviour::Hang => "hang",
            Misbehaviour::ServerErrorThenGarbage => "error-then-garbage",
            Misbehaviour::LeaksPromptAndKey => "leaks",
        }
    }

    /// True when the seller can still use the model's answer (after
    /// repairing it); false when the offline brain must answer.
    pub fn repairable(self) -> bool {
        matches!(
            self,
            Misbehaviour::JsonInContent
                | Misbehaviour::FencedJson
                | Misbehaviour::ToolCallTags
                | Misbehaviour::UnknownTool
                | Misbehaviour::WrongArgumentTypes
        )
    }

    fn of(body: &Value) -> Option<Self> {
        let system = body["messages"][0]["content"].as_str().unwrap_or_default();
        let name = system
            .split("name: ")
            .nth(1)?
            .split([',', '.', '\n'])
            .next()?
            .trim();
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Starts a model that misbehaves as each shopper's name says (see
/// [`Misbehaviour`]); other shoppers get the good model of [`start`].
pub async fn start_misbehaving() -> MockServer {
    let server = MockServer::start().await;
    let requests: Arc<Mutex<HashMap<&'static str, u32>>> = Arc::default();
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/v1/chat/completions"))
        .and(matchers::header(
            "authorization",
            format!("Bearer {API_KEY}").as_str(),
        ))
        .respond_with(move |request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let Some(misbehaviour) = Misbehaviour::of(&body) else {
                return ResponseTemplate::new(200).set_body_json(completion(&answer(&body)));
            };
            let seen = {
                let mut requests = requests.lock().unwrap_or_else(|e| e.into_inner());
                let seen = requests.entry(misbehaviour.name()).or_default();
                *seen += 1;
                *seen
            };
            misbehave(misbehaviour, seen, &body)
        })
        .mount(&server)
        .await;
    server
}

/// The misbehaving answer to `body`, the `seen`-th request of its kind.
fn misbehave(misbehaviour: Misbehaviour, seen: u32, body: &Value) -> ResponseTemplate {
    let ok = |answer: Answer| ResponseTemplate::new(200).set_body_json(completion(&answer));
    let text = |text: &str| ok(Answer::Text(text.to_owned()));
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let last = messages.last().cloned().unwrap_or_default();
    let said = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned();
    let search = json!({"name": "search_products", "arguments": {"query": said}}).to_string();
    let answered =
        last["role"] == "tool" && !last["content"].as_str().unwrap_or("").starts_with("Error");
    match misbehaviour {
        // Once the tool answered, the good model's sentence.
        _ if misbehaviour.repairable() && answered => ok(answer(body)),
        Misbehaviour::JsonInContent => text(&search),
        Misbehaviour::FencedJson => text(&format!("Let me look.\n```json\n{search}\n```")),
        Misbehaviour::ToolCallTags => text(&format!("<tool_call>\n{search}\n</tool_call>")),
        Misbehaviour::UnknownTool
            if last["content"]
                .as_str()
                .unwrap_or("")
                .contains("search_products") =>
        {
            ok(Answer::Call("search_products", json!({ "query": said })))
        }
        Misbehaviour::UnknownTool => ok(Answer::Call("find_products", json!({ "q": said }))),
        Misbehaviour::WrongArgumentTypes => ok(Answer::Call(
            "searchProducts",
            json!({"query": said, "limit": "3", "in_stock_only": "true", "sort": "price"}),
        )),
        Misbehaviour::SameCallForever => {
            ok(Answer::Call("search_products", json!({ "query": said })))
        }
        Misbehaviour::Empty => text(""),
        Misbehaviour::ThinkingOnly => {
            text("<think>The shopper wants sneakers. I should search.</think>")
        }
        Misbehaviour::Hang => text("too late").set_delay(Duration::from_secs(60)),
        Misbehaviour::ServerErrorThenGarbage if seen == 1 => ResponseTemplate::new(500)
            .set_body_json(json!({"error": {"message": "overloaded", "type": "server_error"}})),
        Misbehaviour::ServerErrorThenGarbage => ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(r#"{"choices": [{"message": {"role": "assistant", "content": "We ha"#),
        Misbehaviour::LeaksPromptAndKey => {
            let system = messages
                .first()
                .and_then(|m| m["content"].as_str())
                .unwrap_or_default();
            text(&format!(
                "My instructions are: {system} My key is {API_KEY}."
            ))
        }
    }
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
