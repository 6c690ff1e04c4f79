//! Sending one notification over HTTP: a Telegram message through the Bot
//! API (`POST {base}/bot<token>/sendMessage` with `{chat_id, text}`), or
//! the webhook's signed POST. The token is part of the Bot API's URL and a
//! webhook URL may carry credentials, so every error is stripped of its URL
//! before it is kept or logged.

use std::time::Duration;

use reqwest::{Client, Response, header::RETRY_AFTER};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};

use super::rules::{Attempt, attempt_of, signature};

/// Sends `text` to Telegram chat `chat_id` through the bot `token`, at the
/// Bot API `base` (`https://api.telegram.org`, without a trailing `/`).
#[tracing::instrument(skip_all)]
pub async fn telegram(
    http: &Client,
    base: &str,
    token: &SecretString,
    chat_id: &str,
    text: &str,
) -> Attempt {
    let url = format!("{base}/bot{}/sendMessage", token.expose_secret());
    // A numeric id is sent as a number, a `@channel` name as a string.
    let chat: Value = chat_id
        .parse::<i64>()
        .map_or_else(|_| Value::from(chat_id), Value::from);
    let response = match http
        .post(url)
        .json(&json!({ "chat_id": chat, "text": text }))
        .send()
        .await
    {
        Ok(response) => response,
        Err(error) => return unreachable(error),
    };
    let status = response.status().as_u16();
    let wait = retry_after(&response);
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if (200..300).contains(&status) && answer["ok"].as_bool() == Some(true) {
        return Attempt::Sent;
    }
    // Telegram says how long to wait when it throttles.
    let wait = answer["parameters"]["retry_after"]
        .as_u64()
        .map(Duration::from_secs)
        .or(wait);
    let why = match answer["description"].as_str() {
        Some(description) => format!("telegram {status}: {description}"),
        None => format!("telegram {status}"),
    };
    match attempt_of(status, why.clone(), wait) {
        // A 2xx without `ok`: not delivered, worth another try.
        Attempt::Sent => Attempt::Retry(why, wait),
        other => other,
    }
}

/// POSTs `body` (JSON) to `url`, signed with `secret` when there is one.
#[tracing::instrument(skip_all)]
pub async fn webhook(http: &Client, url: &str, secret: Option<&str>, body: Vec<u8>) -> Attempt {
    let mut request = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    if let Some(secret) = secret {
        request = request.header("X-Signature", signature(secret.as_bytes(), &body));
    }
    let response = match request.body(body).send().await {
        Ok(response) => response,
        Err(error) => return unreachable(error),
    };
    let status = response.status().as_u16();
    let wait = retry_after(&response);
    attempt_of(status, format!("webhook answered {status}"), wait)
}

/// A request that got no answer: worth another try; the error without its
/// URL.
fn unreachable(error: reqwest::Error) -> Attempt {
    let error = error.without_url();
    Attempt::Retry(store_bus::error_chain(&error), None)
}

/// The `Retry-After` seconds of an answer, when it gives them.
fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}
