//! The fake WhatsApp Graph API and Telegram Bot API on one loopback port,
//! recording the arrival time of every message the gateway sends.
//!
//! The first message of every answer quotes the shopper's message
//! (`context.message_id` on WhatsApp, `reply_parameters.message_id` on
//! Telegram): that ties it to the message it answers. A shopper registers
//! the key of its message before sending it ([`Outbound::expect`]) and is
//! handed the arrival time when the answer lands; answers nobody waits for
//! any more (the shopper's deadline passed) are counted as late.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Instant,
};

use serde_json::{Value, json};
use tokio::sync::oneshot;
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

/// What the fake was sent, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sends {
    /// Messages sent to WhatsApp users.
    pub whatsapp: u64,
    /// Messages sent to Telegram chats.
    pub telegram: u64,
    /// Answers quoting a message nobody waited for any more.
    pub late: u64,
}

#[derive(Default)]
struct Journal {
    waiting: HashMap<String, oneshot::Sender<Instant>>,
    sends: Sends,
}

type Shared = Arc<Mutex<Journal>>;

/// The running fake.
pub struct Outbound {
    server: MockServer,
    journal: Shared,
}

/// The key of an answer to WhatsApp message `wamid`.
pub fn whatsapp_key(wamid: &str) -> String {
    format!("wa:{wamid}")
}

/// The key of an answer to Telegram message `message_id` in `chat`.
pub fn telegram_key(chat: i64, message_id: i64) -> String {
    format!("tg:{chat}:{message_id}")
}

impl Outbound {
    /// Starts it on `port` (any free port when `None`).
    pub async fn start(port: Option<u16>) -> anyhow::Result<Self> {
        let mut builder = MockServer::builder().disable_request_recording();
        if let Some(port) = port {
            builder = builder.listener(std::net::TcpListener::bind(("127.0.0.1", port))?);
        }
        let server = builder.start().await;
        let journal: Shared = Arc::default();

        let graph = journal.clone();
        Mock::given(matchers::method("POST"))
            .and(matchers::path_regex(r"^/[^/]+/messages$"))
            .respond_with(move |request: &Request| {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let quoted = body["context"]["message_id"].as_str().map(whatsapp_key);
                arrived(&graph, quoted, |s| s.whatsapp += 1);
                let to = body["to"].clone();
                ResponseTemplate::new(200).set_body_json(json!({
                    "messaging_product": "whatsapp",
                    "contacts": [{ "input": to, "wa_id": to }],
                    "messages": [{ "id": format!("wamid.out.{}", uuid::Uuid::new_v4().simple()) }],
                }))
            })
            .mount(&server)
            .await;

        let bots = journal.clone();
        Mock::given(matchers::method("POST"))
            .and(matchers::path_regex(r"^/bot[^/]+/send[A-Za-z]+$"))
            .respond_with(move |request: &Request| {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let chat = number(&body["chat_id"]);
                let quoted = number(&body["reply_parameters"]["message_id"]);
                let key = chat.zip(quoted).map(|(c, m)| telegram_key(c, m));
                arrived(&bots, key, |s| s.telegram += 1);
                ResponseTemplate::new(200).set_body_json(json!({
                    "ok": true,
                    "result": {
                        "message_id": rand_id(),
                        "date": 0,
                        "chat": { "id": chat.unwrap_or_default(), "type": "private" },
                    },
                }))
            })
            .mount(&server)
            .await;

        // Everything else of the Bot API (getMe, setWebhook, answers to
        // callback queries) succeeds.
        Mock::given(matchers::any())
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "result": true })),
            )
            .mount(&server)
            .await;
        Ok(Self { server, journal })
    }

    /// Its base URL (`WHATSAPP_API_BASE` and `TELEGRAM_API_BASE`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Waits for the answer with `key`: the receiver gets its arrival time.
    pub fn expect(&self, key: String) -> oneshot::Receiver<Instant> {
        let (tx, rx) = oneshot::channel();
        lock(&self.journal).waiting.insert(key, tx);
        rx
    }

    /// Stops waiting for `key` (its deadline passed).
    pub fn forget(&self, key: &str) {
        lock(&self.journal).waiting.remove(key);
    }

    /// What was sent so far.
    pub fn sends(&self) -> Sends {
        lock(&self.journal).sends
    }
}

/// Records a send quoting `key` (if it quotes one) and wakes its waiter.
fn arrived(journal: &Shared, key: Option<String>, count: impl FnOnce(&mut Sends)) {
    let at = Instant::now();
    let mut journal = lock(journal);
    count(&mut journal.sends);
    let Some(key) = key else { return };
    match journal.waiting.remove(&key) {
        // A receiver dropped meanwhile is as late as none.
        Some(waiter) => {
            if waiter.send(at).is_err() {
                journal.sends.late += 1;
            }
        }
        None => journal.sends.late += 1,
    }
}

fn lock(journal: &Shared) -> std::sync::MutexGuard<'_, Journal> {
    // The journal holds counts and wakers only: still usable after a panic.
    journal.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A JSON number, or a number in a string.
fn number(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

fn rand_id() -> i64 {
    i64::from(uuid::Uuid::new_v4().as_fields().0 >> 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_answer_quoting_a_message_wakes_its_shopper_and_the_rest_count_as_late() {
        let outbound = Outbound::start(None).await.unwrap();
        let http = reqwest::Client::new();
        let waiting = outbound.expect(whatsapp_key("wamid.1"));
        let telegram = outbound.expect(telegram_key(42, 7));

        for (path, body) in [
            (
                "/100/messages",
                json!({"to": "55", "context": {"message_id": "wamid.1"}}),
            ),
            ("/100/messages", json!({"to": "55"})),
            (
                "/100/messages",
                json!({"to": "55", "context": {"message_id": "wamid.9"}}),
            ),
            (
                "/bot1:x/sendMessage",
                json!({"chat_id": 42, "reply_parameters": {"message_id": 7}}),
            ),
        ] {
            let answer = http
                .post(format!("{}{path}", outbound.uri()))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(answer.status().is_success());
        }

        assert!(waiting.await.is_ok());
        assert!(telegram.await.is_ok());
        assert_eq!(
            outbound.sends(),
            Sends {
                whatsapp: 3,
                telegram: 1,
                late: 1
            }
        );
    }
}
