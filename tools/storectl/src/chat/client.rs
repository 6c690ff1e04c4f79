//! The web chat HTTP protocol (docs/WEBCHAT.md) from the shopper's side:
//! brands, sessions, transcript, sending, and following the event stream
//! (reconnecting from the last `seq` seen).

use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use reqwest::{StatusCode, header::ACCEPT};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::{
    http_error::{Service, status_error, unavailable_hint},
    sse::SseParser,
    webhook::url_segment,
};

/// How long the event stream may stay silent (the gateway sends a
/// keep-alive comment every 15 s) before it is reopened.
const IDLE_LIMIT: Duration = Duration::from_secs(45);

/// A brand offered by a tenant's web chat.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Brand {
    /// Brand id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// One line about it.
    #[serde(default)]
    pub description: Option<String>,
}

/// `GET /chat/{tenant}/brands`.
#[derive(Debug, Clone, Deserialize)]
pub struct Brands {
    /// The brands, in the tenant's order.
    pub brands: Vec<Brand>,
}

/// A web chat session; the token is a secret and never printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Session id.
    pub session_id: String,
    /// Bearer token of the session.
    pub token: String,
    /// The seller's conversation id.
    pub conversation_id: String,
    /// Brand.
    pub brand: String,
}

/// One transcript entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Entry {
    /// Position in the session, from 1.
    pub seq: u64,
    /// `shopper`, `seller`, `human` or `system`.
    pub from: String,
    /// `store.chat.response` parts.
    #[serde(default)]
    pub parts: Vec<Value>,
    /// When it was sent.
    #[serde(default)]
    pub sent_at: Option<String>,
}

impl Entry {
    /// True for the shopper's own messages.
    pub fn is_shopper(&self) -> bool {
        self.from == "shopper"
    }
}

#[derive(Debug, Deserialize)]
struct Transcript {
    messages: Vec<Entry>,
}

/// What the shopper sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// Typed text.
    Text(String),
    /// A button or list pick.
    Reply {
        /// The option's id.
        id: String,
        /// Its label.
        title: String,
    },
}

/// `202` to a sent message.
#[derive(Debug, Clone, Deserialize)]
pub struct Accepted {
    /// The message's sequence number in the session.
    pub seq: u64,
    /// The same `client_message_id` was accepted before.
    #[serde(default)]
    pub duplicate: bool,
}

/// What the event stream follower reports.
#[derive(Debug)]
pub enum StreamEvent {
    /// A new entry (each `seq` once, in order).
    Entry(Entry),
    /// The stream cannot go on (session refused or gone).
    Fatal(String),
}

/// A tenant's web chat at the gateway.
#[derive(Debug, Clone)]
pub struct WebChat {
    service: Service,
    tenant: String,
    http: reqwest::Client,
}

impl WebChat {
    /// The web chat of `tenant` at `gateway`.
    pub fn new(gateway: &str, tenant: &str) -> Self {
        Self {
            service: Service::gateway(gateway),
            tenant: tenant.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, rest: &str) -> String {
        self.service
            .url(&format!("/chat/{}{rest}", url_segment(&self.tenant)))
    }

    fn session_url(&self, session: &Session, rest: &str) -> String {
        self.url(&format!(
            "/sessions/{}{rest}",
            url_segment(&session.session_id)
        ))
    }

    /// The error for a failed tenant-level call.
    fn failure(&self, what: &str, status: StatusCode, body: &str) -> anyhow::Error {
        match status {
            StatusCode::NOT_FOUND => anyhow::anyhow!(
                "tenant {:?} has no web chat at {} (or does not exist): enable it in the tenants file (`webchat:`)",
                self.tenant,
                crate::http_error::redact(&self.service.base)
            ),
            StatusCode::SERVICE_UNAVAILABLE => anyhow::anyhow!(unavailable_hint(&self.service)),
            _ => status_error(what, status, body),
        }
    }

    /// The tenant's brands.
    pub async fn brands(&self) -> anyhow::Result<Vec<Brand>> {
        let response = self
            .http
            .get(self.url("/brands"))
            .send()
            .await
            .map_err(|e| self.service.unreachable(&e))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(self.failure("listing brands", status, &body));
        }
        let brands: Brands = response
            .json()
            .await
            .context("Failed to read the brand list")?;
        Ok(brands.brands)
    }

    /// Opens a session with `brand`.
    pub async fn create_session(&self, brand: &str, name: Option<&str>) -> anyhow::Result<Session> {
        let mut body = json!({ "brand": brand });
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        let response = self
            .http
            .post(self.url("/sessions"))
            .json(&body)
            .send()
            .await
            .map_err(|e| self.service.unreachable(&e))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(self.failure("opening a chat session", status, &body));
        }
        response
            .json()
            .await
            .context("Failed to read the new session")
    }

    /// The session's transcript, or `None` when the gateway no longer
    /// knows the session or refuses its token.
    pub async fn transcript(&self, session: &Session) -> anyhow::Result<Option<Vec<Entry>>> {
        let response = self
            .http
            .get(self.session_url(session, ""))
            .bearer_auth(&session.token)
            .send()
            .await
            .map_err(|e| self.service.unreachable(&e))?;
        let status = response.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND) {
            return Ok(None);
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(self.failure("reading the transcript", status, &body));
        }
        let transcript: Transcript = response
            .json()
            .await
            .context("Failed to read the transcript")?;
        Ok(Some(transcript.messages))
    }

    /// Sends one message; `client_message_id` makes a retry harmless.
    pub async fn send(
        &self,
        session: &Session,
        message: &Outgoing,
        client_message_id: &str,
    ) -> anyhow::Result<Accepted> {
        let body = match message {
            Outgoing::Text(text) => json!({ "text": text, "client_message_id": client_message_id }),
            Outgoing::Reply { id, title } => json!({
                "reply": { "id": id, "title": title },
                "client_message_id": client_message_id,
            }),
        };
        let response = self
            .http
            .post(self.session_url(session, "/messages"))
            .bearer_auth(&session.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| self.service.unreachable(&e))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            anyhow::bail!(
                "the gateway refused this session's token (401); start a new one with --new"
            );
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(self.failure("sending the message", status, &body));
        }
        response
            .json()
            .await
            .context("Failed to read the gateway's acceptance")
    }

    /// Follows the session's event stream from after `after`, sending each
    /// new entry to `tx` once, reopening the stream when it drops. Returns
    /// when `tx` is closed or the session is refused.
    pub async fn follow(&self, session: Session, mut after: u64, tx: mpsc::Sender<StreamEvent>) {
        let mut failures: u32 = 0;
        loop {
            let response = self
                .http
                .get(self.session_url(&session, &format!("/events?after={after}")))
                .bearer_auth(&session.token)
                .header(ACCEPT, "text/event-stream")
                .send()
                .await;
            match response {
                Ok(response) if response.status().is_success() => {
                    failures = 0;
                    let mut parser = SseParser::new();
                    let mut body = response.bytes_stream();
                    while let Ok(Some(Ok(chunk))) =
                        tokio::time::timeout(IDLE_LIMIT, body.next()).await
                    {
                        for event in parser.push(&chunk) {
                            if event.event != "message" {
                                continue;
                            }
                            let Ok(entry) = serde_json::from_str::<Entry>(&event.data) else {
                                continue;
                            };
                            if entry.seq <= after {
                                continue;
                            }
                            after = entry.seq;
                            if tx.send(StreamEvent::Entry(entry)).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                Ok(response)
                    if matches!(
                        response.status(),
                        StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND
                    ) =>
                {
                    let _ = tx
                        .send(StreamEvent::Fatal(format!(
                            "the gateway refused the event stream of this session ({}); start a new one with --new",
                            response.status()
                        )))
                        .await;
                    return;
                }
                Ok(_) | Err(_) => failures = failures.saturating_add(1),
            }
            if tx.is_closed() {
                return;
            }
            // Back off while the gateway is away: 0.5 s, 1 s, 2 s … 5 s.
            let delay = Duration::from_millis(500)
                .saturating_mul(2u32.saturating_pow(failures.min(4)))
                .min(Duration::from_secs(5));
            tokio::time::sleep(if failures == 0 {
                Duration::from_millis(200)
            } else {
                delay
            })
            .await;
        }
    }
}
