//! The Telegram Bot API sender: `POST {base}/bot{token}/{method}`.
//!
//! The token is part of the URL, so errors are stripped of their URL before
//! they can reach a log.

use std::time::Duration;

use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::{Refusal, SendOutcome, retry_after};

/// A Bot API client.
#[derive(Clone, Debug)]
pub struct TelegramClient {
    http: Client,
    base: String,
}

impl TelegramClient {
    /// A client of the Bot API at `base` (e.g. `https://api.telegram.org`).
    pub fn new(http: Client, base: &Url) -> Self {
        Self {
            http,
            base: base.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// Calls `method` with `payload`. `Err` is a transport failure.
    #[tracing::instrument(skip_all, fields(method = method))]
    pub async fn call(
        &self,
        token: &SecretString,
        method: &str,
        payload: &Value,
    ) -> Result<SendOutcome, reqwest::Error> {
        let url = format!("{}/bot{}/{method}", self.base, token.expose_secret());
        let response = self
            .http
            .post(url)
            .json(payload)
            .send()
            .await
            .map_err(reqwest::Error::without_url)?;
        let status = response.status();
        let header_wait = retry_after(response.headers());
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() && answer["ok"].as_bool() == Some(true) {
            let id = answer["result"]["message_id"]
                .as_i64()
                .map(|id| id.to_string());
            return Ok(SendOutcome::Sent(id));
        }
        let code = answer["error_code"].as_i64();
        if status.as_u16() == 429 || code == Some(429) {
            let wait = answer["parameters"]["retry_after"]
                .as_u64()
                .map(Duration::from_secs)
                .or(header_wait);
            return Ok(SendOutcome::RateLimited(wait));
        }
        if status.is_server_error() {
            return Ok(SendOutcome::Unavailable(format!(
                "Bot API answered {status}"
            )));
        }
        Ok(SendOutcome::Refused(Refusal {
            http_status: status.as_u16(),
            code,
            title: answer["description"]
                .as_str()
                .unwrap_or("refused")
                .to_owned(),
            message: None,
            details: None,
        }))
    }
}
