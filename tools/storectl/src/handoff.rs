//! `storectl handoff`: the human sellers' inbox in the sales assistant
//! (`Authorization: Bearer <the tenant's API key>`): the conversations the
//! AI sellers handed to a person, their transcripts, answering as a human
//! and handing a conversation back to the AI.

use std::fmt::Write as _;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    UsageError,
    http_error::Service,
    keyed::{KeySource, KeyedApi},
    terminal,
    webhook::url_segment,
};

/// What to do with the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Handoffs with this status (`open` or `resolved`), of one brand or all.
    List {
        /// `open` or `resolved`.
        status: String,
        /// Only this brand's.
        brand: Option<String>,
    },
    /// One handoff with its transcript.
    Show(String),
    /// Answer the shopper as `agent`.
    Reply {
        /// The handoff.
        id: String,
        /// The human seller's name.
        agent: String,
        /// What to say.
        text: String,
    },
    /// Hand the conversation back to the AI seller (or close it).
    Resolve {
        /// The handoff.
        id: String,
        /// The human seller's name.
        agent: String,
        /// Close it instead of handing it back.
        close: bool,
        /// A note for the record.
        note: Option<String>,
    },
}

/// The sales assistant's API with a tenant's key.
#[derive(Debug, Clone)]
pub struct InboxClient(KeyedApi);

/// Where the sales assistant's keys come from.
pub const SALES_KEY: KeySource = KeySource {
    env: "STORE_SALES_API_KEY",
    saved_in: ".run/sales-api-keys.json",
};

impl InboxClient {
    /// A client for `tenant`; the key is required.
    pub fn new(base: &str, tenant: &str, api_key: Option<String>) -> Result<Self, UsageError> {
        KeyedApi::new(Service::sales(base), tenant, api_key, SALES_KEY).map(Self)
    }

    /// Does `action` and returns the API's JSON answer.
    pub async fn run(&self, action: &Action) -> anyhow::Result<Value> {
        let api = &self.0;
        let request = match action {
            Action::List { status, brand } => {
                let mut path = format!("/api/v1/handoffs?status={}", url_segment(status));
                if let Some(brand) = brand {
                    let _ = write!(path, "&brand={}", url_segment(brand));
                }
                api.get(&path)
            }
            Action::Show(id) => api.get(&handoff_path(id, "")),
            Action::Reply { id, agent, text } => api
                .post(&handoff_path(id, "/reply"))
                .json(&json!({ "text": text, "agent": agent })),
            Action::Resolve {
                id,
                agent,
                close,
                note,
            } => api.post(&handoff_path(id, "/resolve")).json(&json!({
                "agent": agent,
                "resolution": if *close { "closed" } else { "handed_back" },
                "note": note,
            })),
        };
        api.send(request, "the inbox request", |status, body| match status {
            StatusCode::NOT_FOUND => Some(anyhow::anyhow!(
                "no such handoff in tenant {:?} (the API key decides the tenant)",
                api.tenant
            )),
            StatusCode::CONFLICT => Some(anyhow::anyhow!(
                "the handoff is already resolved (409): {}",
                crate::http_error::reason(body)
            )),
            _ => None,
        })
        .await
    }
}

fn handoff_path(id: &str, tail: &str) -> String {
    format!("/api/v1/handoffs/{}{tail}", url_segment(id))
}

/// A field shown inside a line: on that line, whatever it holds.
fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .map_or_else(|| "-".to_owned(), terminal::one_line)
}

/// A readable rendering of the answer to `action`.
pub fn render(action: &Action, answer: &Value) -> String {
    let mut out = String::new();
    match action {
        Action::List { status, .. } => {
            let handoffs = answer["handoffs"].as_array().cloned().unwrap_or_default();
            if handoffs.is_empty() {
                let _ = writeln!(out, "no {status} handoffs");
            }
            for h in &handoffs {
                let _ = writeln!(
                    out,
                    "{}  {:<8} {:<8} {}  {}\n    {}",
                    text(h, "id"),
                    text(h, "priority"),
                    text(h, "brand"),
                    text(h, "opened_at"),
                    text(h, "conversation"),
                    text(h, "summary"),
                );
            }
        }
        Action::Reply { .. } => {
            let _ = writeln!(out, "sent (#{}): {}", answer["seq"], text(answer, "text"));
        }
        Action::Show(_) | Action::Resolve { .. } => {
            let h = answer;
            let _ = writeln!(
                out,
                "handoff {}  [{}]  brand {}  priority {}",
                text(h, "id"),
                text(h, "status"),
                text(h, "brand"),
                text(h, "priority")
            );
            let _ = writeln!(out, "  conversation  {}", text(h, "conversation"));
            let _ = writeln!(out, "  reason        {}", text(h, "reason"));
            let _ = writeln!(out, "  summary       {}", text(h, "summary"));
            if h["resolved_by"].is_string() {
                let _ = writeln!(
                    out,
                    "  resolved      {} by {} ({})",
                    text(h, "resolved_at"),
                    text(h, "resolved_by"),
                    text(h, "resolution")
                );
            }
            let _ = writeln!(out, "  transcript:");
            for m in h["transcript"].as_array().into_iter().flatten() {
                let who = match (m["from"].as_str(), m["agent"].as_str()) {
                    (Some("human"), Some(agent)) => format!("human ({agent})"),
                    (Some(from), _) => from.to_owned(),
                    _ => "?".to_owned(),
                };
                let seq = m["seq"].as_i64().unwrap_or_default();
                let _ = writeln!(out, "    #{seq:<3} {who:<14} {}", text(m, "text"));
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_handoff_renders_its_transcript_with_who_said_what() {
        let answer = json!({
            "id": "h-1", "status": "open", "brand": "fashion", "priority": "normal",
            "conversation": "whatsapp:1:2", "reason": "customer_request", "summary": "wants a person",
            "transcript": [
                { "seq": 1, "from": "shopper", "text": "a person please" },
                { "seq": 2, "from": "human", "agent": "ana", "text": "Hi, I'm Ana" },
            ],
        });
        let shown = render(&Action::Show("h-1".into()), &answer);
        assert!(shown.contains("handoff h-1  [open]"), "{shown}");
        assert!(shown.contains("#1   shopper"), "{shown}");
        assert!(shown.contains("human (ana)    Hi, I'm Ana"), "{shown}");
    }

    #[test]
    fn an_empty_inbox_says_so() {
        let shown = render(
            &Action::List {
                status: "open".into(),
                brand: None,
            },
            &json!({ "handoffs": [], "total": 0 }),
        );
        assert_eq!(shown, "no open handoffs\n");
    }

    #[test]
    fn the_key_is_required() {
        assert!(InboxClient::new("http://127.0.0.1:1", "demo", None).is_err());
        assert!(InboxClient::new("http://127.0.0.1:1", "demo", Some(" ".into())).is_err());
    }
}
