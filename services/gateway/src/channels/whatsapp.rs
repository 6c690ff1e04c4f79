//! The WhatsApp Cloud API sender: `POST {base}/{phone-number-id}/messages`
//! with the tenant's access token as a bearer token.

use reqwest::{Client, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::{Refusal, SendOutcome, retry_after};

/// Graph error codes that mean "slow down" rather than "no".
const THROTTLING_CODES: &[i64] = &[4, 80007, 130_429, 131_048, 131_056];

/// A Graph API client.
#[derive(Clone, Debug)]
pub struct WhatsAppClient {
    http: Client,
    base: String,
}

impl WhatsAppClient {
    /// A client of the Graph API at `base` (version included, e.g.
    /// `https://graph.facebook.com/v21.0`).
    pub fn new(http: Client, base: &Url) -> Self {
        Self {
            http,
            base: base.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// Posts one message body. `Err` is a transport failure (no answer).
    #[tracing::instrument(skip_all, fields(phone_number_id = phone_number_id))]
    pub async fn send(
        &self,
        phone_number_id: &str,
        access_token: &SecretString,
        body: &Value,
    ) -> Result<SendOutcome, reqwest::Error> {
        let url = format!("{}/{phone_number_id}/messages", self.base);
        let response = self
            .http
            .post(url)
            .bearer_auth(access_token.expose_secret())
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            let id = answer["messages"][0]["id"].as_str().map(str::to_owned);
            return Ok(SendOutcome::Sent(id));
        }
        let error = &answer["error"];
        let code = error["code"].as_i64();
        if status == StatusCode::TOO_MANY_REQUESTS
            || code.is_some_and(|c| THROTTLING_CODES.contains(&c))
        {
            return Ok(SendOutcome::RateLimited(wait));
        }
        if status.is_server_error() {
            return Ok(SendOutcome::Unavailable(format!(
                "Graph API answered {status}"
            )));
        }
        Ok(SendOutcome::Refused(Refusal {
            http_status: status.as_u16(),
            code,
            title: error["title"]
                .as_str()
                .or(error["type"].as_str())
                .unwrap_or("refused")
                .to_owned(),
            message: error["message"].as_str().map(str::to_owned),
            details: error["error_data"]["details"].as_str().map(str::to_owned),
        }))
    }
}
