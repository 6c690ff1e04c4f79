//! Turning HTTP failures into advice: a service that does not answer, a
//! refused key, an unknown tenant. Every service's error body is JSON
//! (`{"code", "detail"}` or `{"error"}`); the reason is taken from it.
//! URLs are shown without their credentials.

use reqwest::StatusCode;

/// A service storectl talks to over HTTP, for error messages.
#[derive(Debug, Clone)]
pub struct Service {
    /// What to call it: "the gateway", "the order processor".
    pub name: &'static str,
    /// Its base URL, as given.
    pub base: String,
}

impl Service {
    /// The gateway at `base`.
    pub fn gateway(base: &str) -> Self {
        Self {
            name: "the gateway",
            base: base.to_owned(),
        }
    }

    /// The order processor at `base`.
    pub fn orders(base: &str) -> Self {
        Self {
            name: "the order processor",
            base: base.to_owned(),
        }
    }

    /// The sales assistant (the human sellers' inbox) at `base`.
    pub fn sales(base: &str) -> Self {
        Self {
            name: "the sales assistant",
            base: base.to_owned(),
        }
    }

    /// RabbitMQ's management API at `base`.
    pub fn management(base: &str) -> Self {
        Self {
            name: "RabbitMQ's management API",
            base: base.to_owned(),
        }
    }

    /// `path` under the base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches('/'))
    }

    /// Why a request could not be made at all.
    pub fn unreachable(&self, error: &reqwest::Error) -> anyhow::Error {
        let at = redact(&self.base);
        if error.is_connect() {
            anyhow::anyhow!(
                "{} at {at} is not answering — is the store running? Start it with `scripts/run.sh`",
                self.name
            )
        } else if error.is_timeout() {
            anyhow::anyhow!("{} at {at} did not answer in time", self.name)
        } else if error.is_builder() {
            anyhow::anyhow!("{at} is not a usable URL for {}", self.name)
        } else {
            // reqwest's own message carries the URL (and so any
            // credentials in it): say only the innermost cause.
            anyhow::anyhow!(
                "the request to {} at {at} failed: {}",
                self.name,
                innermost_cause(error)
            )
        }
    }
}

fn innermost_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    if std::ptr::addr_eq(cause, error as &dyn std::error::Error) {
        "no further detail".to_owned()
    } else {
        cause.to_string()
    }
}

/// `url` without a password (and without a user name when it had one).
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() || !parsed.username().is_empty() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.to_string().trim_end_matches('/').to_owned()
        }
        Ok(_) => url.trim_end_matches('/').to_owned(),
        Err(_) => "(the given URL)".to_owned(),
    }
}

/// The reason in an error body: its `error` or `detail`, else the text
/// itself (cut short).
pub fn reason(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        for key in ["error", "detail", "message"] {
            if let Some(text) = value.get(key).and_then(|v| v.as_str()) {
                return text.to_owned();
            }
        }
    }
    let trimmed = body.trim();
    if trimmed.chars().count() > 300 {
        format!("{}…", trimmed.chars().take(300).collect::<String>())
    } else {
        trimmed.to_owned()
    }
}

/// A failed response as an error: `what` failed, with status and reason.
pub fn status_error(what: &str, status: StatusCode, body: &str) -> anyhow::Error {
    let reason = reason(body);
    if reason.is_empty() {
        anyhow::anyhow!("{what} failed: {status}")
    } else {
        anyhow::anyhow!("{what} failed: {status}: {reason}")
    }
}

/// A 503 hint: the service is up but its broker or database is not.
pub fn unavailable_hint(service: &Service) -> String {
    format!(
        "{} is up but cannot reach its broker or database; nothing was accepted, try again",
        service.name
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_removed_from_urls() {
        assert_eq!(
            redact("http://guest:s3cret@127.0.0.1:15672"),
            "http://127.0.0.1:15672"
        );
        assert_eq!(redact("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
    }

    #[test]
    fn the_reason_comes_from_either_error_shape() {
        assert_eq!(reason(r#"{"error":"unknown brand"}"#), "unknown brand");
        assert_eq!(
            reason(r#"{"code":"not_found","detail":"order not found"}"#),
            "order not found"
        );
        assert_eq!(reason(" plain "), "plain");
    }
}
