//! A fake WhatsApp Cloud API (Graph API) on loopback that records every
//! message it accepted, and can be told to fail: answer 500, or 429 with
//! `Retry-After`, as Meta does under load.
//!
//! Only messages answered 200 are recorded: they are what shoppers see.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, Ordering},
    },
    time::Instant,
};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

/// How the fake answers a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum GraphMode {
    /// 200 with a message id.
    Ok = 0,
    /// 500, a Graph API internal error.
    ServerError = 1,
    /// 429 with `Retry-After: 1` (throttled).
    Throttled = 2,
}

/// One message the fake accepted.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The WhatsApp user it went to.
    pub to: String,
    /// The shopper's message it quotes (`context.message_id`): the first
    /// message of every reply carries it.
    pub quotes: Option<String>,
    /// The whole body, for spotting a message sent twice.
    pub body: String,
    /// When it arrived.
    pub at: Instant,
}

/// The running fake.
pub struct FakeGraph {
    server: MockServer,
    mode: Arc<AtomicU8>,
    sent: Arc<Mutex<Journal>>,
}

/// What the fake accepted, and when each shopper message was first quoted.
#[derive(Default)]
struct Journal {
    sent: Vec<Sent>,
    quoted: std::collections::HashMap<String, Instant>,
}

impl FakeGraph {
    /// Starts it, answering 200.
    pub async fn start() -> Self {
        // The journal below is the record; the server's own would only grow.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let mode = Arc::new(AtomicU8::new(GraphMode::Ok as u8));
        let sent: Arc<Mutex<Journal>> = Arc::default();
        let (mode_in, sent_in) = (mode.clone(), sent.clone());
        Mock::given(matchers::method("POST"))
            .and(matchers::path_regex(r"^/[^/]+/messages$"))
            .respond_with(move |request: &Request| {
                match mode_in.load(Ordering::SeqCst) {
                    1 => {
                        return ResponseTemplate::new(500).set_body_json(json!({
                            "error": { "message": "An unknown error occurred", "type": "OAuthException", "code": 1 }
                        }));
                    }
                    2 => {
                        return ResponseTemplate::new(429)
                            .insert_header("retry-after", "1")
                            .set_body_json(json!({
                                "error": { "message": "Too many messages", "type": "OAuthException", "code": 130429 }
                            }));
                    }
                    _ => {}
                }
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let to = body["to"].as_str().unwrap_or_default().to_owned();
                let record = Sent {
                    quotes: body["context"]["message_id"].as_str().map(str::to_owned),
                    body: body.to_string(),
                    to: to.clone(),
                    at: Instant::now(),
                };
                let mut journal = sent_in.lock().expect("journal lock");
                if let Some(quoted) = &record.quotes {
                    journal.quoted.entry(quoted.clone()).or_insert(record.at);
                }
                journal.sent.push(record);
                drop(journal);
                ResponseTemplate::new(200).set_body_json(json!({
                    "messaging_product": "whatsapp",
                    "contacts": [{ "input": to, "wa_id": to }],
                    "messages": [{ "id": format!("wamid.out.{}", uuid::Uuid::new_v4().simple()) }],
                }))
            })
            .mount(&server)
            .await;
        Self { server, mode, sent }
    }

    /// Its base URL (`WHATSAPP_API_BASE`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Answers sends this way from now on.
    pub fn set_mode(&self, mode: GraphMode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Every message accepted so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().expect("journal lock").sent.clone()
    }

    /// When the reply to shopper message `wamid` was first sent, if it was.
    pub fn answered_at(&self, wamid: &str) -> Option<Instant> {
        self.sent
            .lock()
            .expect("journal lock")
            .quoted
            .get(wamid)
            .copied()
    }
}
