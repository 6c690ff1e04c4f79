//! A fake WhatsApp Cloud API (Graph API) on loopback that records every
//! message it accepted, and can be told to fail: answer 500, or 429 with
//! `Retry-After`, as Meta does under load.
//!
//! Only messages answered 200 are recorded: they are what shoppers see.
//!
//! Like Meta, it then reports each accepted message's `sent` status to the
//! gateway's webhook (signed, echoing the send's `biz_opaque_callback_data`),
//! once [`FakeGraph::report_statuses`] says where; a status the gateway does
//! not answer 200 (it is down) is delivered again.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::sync::mpsc;
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
    /// Statuses still to report, until [`FakeGraph::report_statuses`] takes them.
    statuses: Mutex<Option<mpsc::UnboundedReceiver<Status>>>,
}

/// The `sent` status of one accepted message, to report.
struct Status {
    /// The number it was sent from (`phone_number_id`).
    number: String,
    wamid: String,
    to: String,
    /// The send's `biz_opaque_callback_data`, echoed.
    opaque: Option<String>,
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
        let (status_out, statuses) = mpsc::unbounded_channel();
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
                let wamid = format!("wamid.out.{}", uuid::Uuid::new_v4().simple());
                let number = request.url.path().trim_matches('/').split('/').next().unwrap_or_default();
                let _ = status_out.send(Status {
                    number: number.to_owned(),
                    wamid: wamid.clone(),
                    to: to.clone(),
                    opaque: body["biz_opaque_callback_data"].as_str().map(str::to_owned),
                });
                ResponseTemplate::new(200).set_body_json(json!({
                    "messaging_product": "whatsapp",
                    "contacts": [{ "input": to, "wa_id": to }],
                    "messages": [{ "id": wamid }],
                }))
            })
            .mount(&server)
            .await;
        Self {
            server,
            mode,
            sent,
            statuses: Mutex::new(Some(statuses)),
        }
    }

    /// Reports every accepted message's `sent` status to the gateway at
    /// `gateway`, as tenant `tenant_of[number]`, signed with `app_secret`,
    /// about 50 ms after the send (as Meta does, later); a status the
    /// gateway does not take is tried again every 200 ms for a minute.
    pub fn report_statuses(
        &self,
        gateway: String,
        tenant_of: HashMap<String, String>,
        app_secret: &'static str,
    ) {
        let Some(mut statuses) = self.statuses.lock().expect("statuses lock").take() else {
            return;
        };
        let http = reqwest::Client::new();
        tokio::spawn(async move {
            while let Some(status) = statuses.recv().await {
                let Some(tenant) = tenant_of.get(&status.number).cloned() else {
                    continue;
                };
                let (http, gateway) = (http.clone(), gateway.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let body = store_testkit::whatsapp::whatsapp_sent_status(
                        &status.number,
                        &status.wamid,
                        &status.to,
                        status.opaque.as_deref(),
                    );
                    let signature = store_testkit::whatsapp::signature(app_secret, &body);
                    for _ in 0..300 {
                        let answer = http
                            .post(format!("{gateway}/webhooks/whatsapp/{tenant}"))
                            .header("content-type", "application/json")
                            .header("x-hub-signature-256", &signature)
                            .body(body.clone())
                            .send()
                            .await;
                        if answer.is_ok_and(|a| a.status().is_success()) {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                });
            }
        });
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
