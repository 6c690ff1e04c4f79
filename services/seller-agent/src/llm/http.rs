//! The HTTP plumbing both providers share: one JSON `POST`, with provider
//! errors, timeouts and `retry-after` turned into [`LlmError`]s.
//!
//! The API key travels only in a default header marked sensitive; every text
//! that ends up in an error is scrubbed of it, in case a proxy echoes it back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{
    StatusCode, Url,
    header::{HeaderMap, HeaderName, HeaderValue},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, de::DeserializeOwned};

use super::{LlmConfig, LlmError};

/// How much of a non-JSON error body is kept in the error message.
const MAX_BODY_SNIPPET: usize = 200;

/// A JSON endpoint of one provider.
#[derive(Debug, Clone)]
pub(crate) struct JsonEndpoint {
    client: reqwest::Client,
    url: Url,
    timeout: Duration,
    api_key: Option<SecretString>,
}

impl JsonEndpoint {
    /// `path` under the configured base URL, with `headers` on every request.
    /// Headers whose value comes from the API key must be marked sensitive by
    /// the caller (see [`secret_header`]).
    pub(crate) fn new(
        config: &LlmConfig,
        path: &str,
        headers: HeaderMap,
    ) -> Result<Self, LlmError> {
        let base = config.base_url.trim_end_matches('/');
        let url = Url::parse(&format!("{base}/{}", path.trim_start_matches('/')))
            .map_err(|e| LlmError::Config(format!("invalid base URL {base:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(LlmError::Config(format!(
                "base URL {base:?} must be http or https"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .default_headers(headers)
            .build()
            .map_err(|e| LlmError::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            url,
            timeout: config.timeout,
            api_key: config.api_key.clone(),
        })
    }

    /// `POST`s `body` and decodes a 2xx answer as `T`.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        body: &impl Serialize,
    ) -> Result<T, LlmError> {
        let response = self
            .client
            .post(self.url.clone())
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers(), Utc::now());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        if !status.is_success() {
            return Err(LlmError::Status {
                status: status.as_u16(),
                message: self.redact(&error_message(status, &bytes)),
                retry_after,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| LlmError::Protocol(self.redact(&e.to_string())))
    }

    fn transport_error(&self, error: &reqwest::Error) -> LlmError {
        if error.is_timeout() {
            return LlmError::Timeout(self.timeout);
        }
        // The URL is configuration, not news; the causes say what went wrong
        // (refused, DNS, TLS, reset).
        let mut text = String::new();
        let mut source: Option<&dyn std::error::Error> = Some(error);
        while let Some(cause) = source {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        LlmError::Transport(self.redact(&text))
    }

    fn redact(&self, text: &str) -> String {
        match &self.api_key {
            Some(key) if !key.expose_secret().is_empty() => {
                text.replace(key.expose_secret(), "[redacted]")
            }
            _ => text.to_owned(),
        }
    }
}

/// A header carrying the API key: marked sensitive so it is never printed.
pub(crate) fn secret_header(
    headers: &mut HeaderMap,
    name: HeaderName,
    value: &str,
) -> Result<(), LlmError> {
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| LlmError::Config(format!("the API key is not a valid {name} header value")))?;
    value.set_sensitive(true);
    headers.insert(name, value);
    Ok(())
}

/// The provider's own words for a failed request: `error.message` (OpenAI,
/// Anthropic, Ollama, vLLM), `error` as a string or `message` (other
/// compatible servers), else the start of a non-JSON body (a proxy's page).
pub(crate) fn error_message(status: StatusCode, body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let found = json
            .pointer("/error/message")
            .or_else(|| json.get("error"))
            .or_else(|| json.get("message"))
            .and_then(serde_json::Value::as_str);
        if let Some(message) = found {
            return message.to_owned();
        }
    }
    let reason = status.canonical_reason().unwrap_or("error");
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() || text.starts_with('{') {
        return reason.to_owned();
    }
    let snippet: String = text.chars().take(MAX_BODY_SNIPPET).collect();
    format!("{reason}: {snippet}")
}

/// How long the provider asks us to wait: `retry-after-ms` (OpenAI), else
/// `retry-after` as seconds or as an HTTP date relative to `now`. A date in
/// the past means "now".
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(seconds) {
        return Some(ms / 1000);
    }
    let value = header("retry-after")?;
    if let Some(delay) = seconds(value) {
        return Some(delay);
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// A non-negative number of seconds (fractions allowed, as some servers send).
fn seconds(value: &str) -> Option<Duration> {
    let secs: f64 = value.parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_in_seconds() {
        let got = retry_after(&headers(&[("retry-after", "7")]), now());
        assert_eq!(got, Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_as_http_date_is_relative_to_now() {
        let got = retry_after(
            &headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]),
            now(),
        );
        assert_eq!(got, Some(Duration::from_secs(30)));
    }

    #[test]
    fn retry_after_date_in_the_past_means_now() {
        let got = retry_after(
            &headers(&[("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")]),
            now(),
        );
        assert_eq!(got, Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_ms_wins_over_seconds() {
        let got = retry_after(
            &headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]),
            now(),
        );
        assert_eq!(got, Some(Duration::from_millis(1500)));
    }

    #[test]
    fn garbage_or_negative_retry_after_is_ignored() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "soon")]), now()),
            None
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")]), now()), None);
        assert_eq!(retry_after(&HeaderMap::new(), now()), None);
    }

    #[test]
    fn error_message_reads_the_provider_shapes() {
        let openai = br#"{"error":{"message":"Rate limit reached","type":"requests"}}"#;
        let anthropic =
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let plain = br#"{"error":"model not found"}"#;
        let html = b"<html>502 Bad Gateway</html>";
        assert_eq!(
            error_message(StatusCode::TOO_MANY_REQUESTS, openai),
            "Rate limit reached"
        );
        assert_eq!(
            error_message(StatusCode::SERVICE_UNAVAILABLE, anthropic),
            "Overloaded"
        );
        assert_eq!(
            error_message(StatusCode::NOT_FOUND, plain),
            "model not found"
        );
        assert_eq!(
            error_message(StatusCode::BAD_GATEWAY, html),
            "Bad Gateway: <html>502 Bad Gateway</html>"
        );
        assert_eq!(
            error_message(StatusCode::INTERNAL_SERVER_ERROR, b""),
            "Internal Server Error"
        );
    }
}
