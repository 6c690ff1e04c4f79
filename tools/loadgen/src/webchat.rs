//! A web chat shopper's session (`docs/WEBCHAT.md`): opened once, its
//! transcript followed over server-sent events from then on; a message's
//! answer is the first entry not from the shopper after the message's own
//! `seq`, timed when its event arrives.

use std::time::Instant;

use serde::Deserialize;
use serde_json::json;
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
    channel::Channel,
    deliver::deliver,
    record::{Outcome, Recorder},
    target::Target,
    tenants::LoadBrand,
};

/// An open session and the reader of its event stream.
pub struct Session {
    url: String,
    token: String,
    answers: mpsc::UnboundedReceiver<(i64, Instant)>,
    reader: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

#[derive(Deserialize)]
struct Opened {
    session_id: String,
    token: String,
}

#[derive(Deserialize)]
struct Posted {
    seq: i64,
}

#[derive(Deserialize)]
struct Entry {
    seq: i64,
    from: String,
}

impl Session {
    /// Opens a session with `brand` and starts following it; why not, as
    /// the status and body the gateway answered.
    pub async fn open(target: &Target, brand: &LoadBrand, number: i64) -> Result<Self, String> {
        let base = format!("{}/chat/{}/sessions", target.gateway, brand.tenant);
        let response = target
            .http
            .post(&base)
            .json(&json!({ "brand": brand.brand, "name": format!("Shopper {number}") }))
            .send()
            .await
            .map_err(|e| format!("opening a session: no answer: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("opening a session: {status}: {body}"));
        }
        let opened: Opened = response
            .json()
            .await
            .map_err(|e| format!("opening a session: {e}"))?;
        let url = format!("{base}/{}", opened.session_id);
        // Following starts before the first message, so no answer is missed.
        let events = target
            .http
            .get(format!("{url}/events"))
            .bearer_auth(&opened.token)
            // The stream lives as long as the session: no overall timeout.
            .timeout(std::time::Duration::from_secs(365 * 24 * 3600))
            .send()
            .await
            .map_err(|e| format!("following a session: no answer: {e}"))?;
        if !events.status().is_success() {
            return Err(format!("following a session: {}", events.status()));
        }
        let (tx, answers) = mpsc::unbounded_channel();
        let reader = tokio::spawn(follow(events, tx));
        Ok(Self {
            url,
            token: opened.token,
            answers,
            reader,
        })
    }

    /// Posts `text` (again while it fails, with the same
    /// `client_message_id`) and waits for its answer (up to the deadline).
    pub async fn say(&mut self, target: &Target, recorder: &Recorder, text: &str) -> Outcome {
        let sent = Instant::now();
        let request = target
            .http
            .post(format!("{}/messages", self.url))
            .bearer_auth(&self.token)
            .json(&json!({
                "text": text,
                "client_message_id": uuid::Uuid::new_v4().simple().to_string(),
            }));
        let delivered = deliver(request, Channel::Webchat, recorder, sent, target.deadline).await;
        let response = match delivered.answer {
            Some((_, _, Some(response))) => response,
            _ => return Outcome::new(sent, false),
        };
        let mut outcome = Outcome::new(sent, true);
        let Ok(posted) = response.json::<Posted>().await else {
            return outcome;
        };
        let deadline = tokio::time::Instant::from_std(sent + target.deadline);
        loop {
            match tokio::time::timeout_at(deadline, self.answers.recv()).await {
                Ok(Some((seq, at))) if seq > posted.seq => {
                    outcome.answered = Some(at);
                    return outcome;
                }
                // An answer to an earlier message that came after its
                // deadline.
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => return outcome,
            }
        }
    }
}

/// Reads the event stream, passing on every entry not from the shopper.
async fn follow(mut events: reqwest::Response, answers: mpsc::UnboundedSender<(i64, Instant)>) {
    let mut buffer = String::new();
    while let Ok(Some(chunk)) = events.chunk().await {
        let at = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let data: String = block
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if let Ok(entry) = serde_json::from_str::<Entry>(&data)
                && entry.from != "shopper"
                && answers.send((entry.seq, at)).is_err()
            {
                return;
            }
        }
    }
}
