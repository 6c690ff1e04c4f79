//! Web chat helpers of the black-box tests: sessions, messages, replies
//! on the bus and a server-sent events reader.

use std::time::Duration;

use serde_json::{Value, json};
use store_events::{
    BrandId, ConversationId, Event, EventContext, TenantId,
    data::{
        common::Channel,
        response::{ChatResponse, ResponsePart, Sender},
    },
    new_event,
};

use super::{Options, TestApp};

pub fn ext(event: &Event, name: &str) -> String {
    store_events::envelope::string_extension(event, name).unwrap_or_default()
}

/// A test app whose own queue sees only shopper messages.
pub async fn spawn() -> TestApp {
    TestApp::spawn_with(Options {
        bindings: Some(vec!["store.chat.message.new.#".to_owned()]),
        ..Options::default()
    })
    .await
}

pub struct Session {
    /// Session id.
    pub id: String,
    /// Its token.
    pub token: String,
    /// `webchat:<brand>:<session_id>`.
    pub conversation: String,
}

pub async fn create_session(address: &str, tenant: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{address}/chat/{tenant}/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn open_session(app: &TestApp, brand: &str) -> Session {
    let response = create_session(
        &app.address,
        "shop",
        json!({ "brand": brand, "name": "Ana" }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    Session {
        id: body["session_id"].as_str().unwrap().to_owned(),
        token: body["token"].as_str().unwrap().to_owned(),
        conversation: body["conversation_id"].as_str().unwrap().to_owned(),
    }
}

pub async fn post_message(
    address: &str,
    tenant: &str,
    session: &Session,
    token: &str,
    body: Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!(
            "{address}/chat/{tenant}/sessions/{}/messages",
            session.id
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn say(app: &TestApp, session: &Session, text: &str) -> Value {
    let response = post_message(
        &app.address,
        "shop",
        session,
        &session.token,
        json!({ "text": text, "client_message_id": uuid::Uuid::new_v4().to_string() }),
    )
    .await;
    assert_eq!(response.status(), 202);
    response.json().await.unwrap()
}

pub async fn transcript(address: &str, session: &Session) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{address}/chat/shop/sessions/{}", session.id))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub fn reply(session: &Session, sender: Sender, parts: Vec<ResponsePart>) -> Event {
    let context = EventContext::new(TenantId::parse("shop").unwrap())
        .with_brand(BrandId::parse("fashion").unwrap())
        .with_conversation(ConversationId::parse(&session.conversation).unwrap());
    new_event(
        "/agent-store/seller-agent",
        &context,
        &ChatResponse {
            channel: Channel::Webchat,
            recipient: session.id.clone(),
            reply_to_message_id: None,
            sender,
            parts,
        },
    )
    .unwrap()
}

pub fn text(t: &str) -> ResponsePart {
    ResponsePart::Text { text: t.into() }
}

/// A server-sent events stream read chunk by chunk.
pub struct Sse {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

/// One event of the stream (comments are skipped).
#[derive(Debug)]
pub struct SseEvent {
    /// `id:`, the entry's seq.
    pub id: String,
    /// `event:`.
    pub event: String,
    /// `data:`, the entry.
    pub data: Value,
}

impl Sse {
    pub async fn open(
        address: &str,
        session: &Session,
        query: &str,
        last_event_id: Option<&str>,
    ) -> Self {
        let mut request = reqwest::Client::new().get(format!(
            "{address}/chat/shop/sessions/{}/events?token={}{query}",
            session.id, session.token
        ));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            response,
            buffer: Vec::new(),
        }
    }

    /// The next event, within `within`.
    pub async fn next_within(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8(block).unwrap();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "id" => id = value.to_owned(),
                        "event" => event = value.to_owned(),
                        "data" => data.push_str(value),
                        _ => {}
                    }
                }
                if data.is_empty() {
                    continue; // a comment (keep-alive)
                }
                return Some(SseEvent {
                    id,
                    event,
                    data: serde_json::from_str(&data).unwrap(),
                });
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Err(_) => return None,
                Ok(chunk) => self
                    .buffer
                    .extend_from_slice(&chunk.unwrap().expect("the stream ended")),
            }
        }
    }

    pub async fn next(&mut self) -> SseEvent {
        self.next_within(Duration::from_secs(15))
            .await
            .expect("timed out waiting for a server-sent event")
    }
}

/// A test app like [`spawn`] with its configuration changed by `configure`.
pub async fn spawn_configured(configure: fn(&mut gateway::Config)) -> TestApp {
    TestApp::spawn_with(Options {
        bindings: Some(vec!["store.chat.message.new.#".to_owned()]),
        configure: Some(configure),
        ..Options::default()
    })
    .await
}
