//! `storectl webhook`: a channel's webhook delivery, sent to the gateway
//! exactly as the channel would — the file's bytes unchanged, WhatsApp's
//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`, or
//! Telegram's `X-Telegram-Bot-Api-Secret-Token`.

use std::path::Path;

use anyhow::Context;
use hmac::{Hmac, Mac};
use reqwest::{StatusCode, header::CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::{
    UsageError,
    http_error::{Service, reason, unavailable_hint},
};

/// Header with Meta's signature of the body.
pub const WHATSAPP_SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// Header with the Telegram bot's secret token.
pub const TELEGRAM_SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The channel whose webhook is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// WhatsApp Cloud API.
    Whatsapp,
    /// Telegram Bot API.
    Telegram,
}

impl Channel {
    fn path(self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Telegram => "telegram",
        }
    }

    fn secret_source(self) -> &'static str {
        match self {
            Self::Whatsapp => "--app-secret / WHATSAPP_APP_SECRET",
            Self::Telegram => "--secret-token / TELEGRAM_SECRET_TOKEN",
        }
    }
}

/// `sha256=<hex>`: Meta's signature of `body` under `app_secret`.
pub fn whatsapp_signature(app_secret: &SecretString, body: &[u8]) -> anyhow::Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.expose_secret().as_bytes())
        .context("Failed to key the HMAC")?;
    mac.update(body);
    Ok(format!(
        "sha256={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

/// Checks that `body` is JSON; the error names the line and column.
pub fn check_json(file: &Path, body: &[u8]) -> Result<(), UsageError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(body)
        .map(|_| ())
        .map_err(|e| {
            UsageError(format!(
                "{} is not JSON: {} at line {}, column {}",
                file.display(),
                describe(&e),
                e.line(),
                e.column()
            ))
        })
}

fn describe(error: &serde_json::Error) -> String {
    // serde_json's Display appends " at line L column C"; we say it ourselves.
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// What the gateway answered.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Its status.
    pub status: StatusCode,
    /// Its body.
    pub body: String,
    /// Advice for a failure.
    pub hint: Option<String>,
}

impl Outcome {
    /// Prints the status and body (and advice on stderr).
    pub fn print(&self) {
        outln!("{}", self.status);
        if !self.body.is_empty() {
            outln!("{}", self.body);
        }
        if let Some(hint) = &self.hint {
            errln!("{hint}");
        }
    }

    /// Ok for a 2xx, else an error saying the status.
    pub fn into_result(self) -> anyhow::Result<()> {
        if self.status.is_success() {
            Ok(())
        } else {
            anyhow::bail!(
                "the gateway answered {}: {}",
                self.status,
                reason(&self.body)
            )
        }
    }
}

/// Reads `file`, checks it is JSON and sends it.
pub async fn send_file(
    gateway: &str,
    channel: Channel,
    tenant: &str,
    file: &Path,
    secret: &SecretString,
) -> anyhow::Result<Outcome> {
    let body = std::fs::read(file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
    check_json(file, &body)?;
    send(gateway, channel, tenant, body, secret).await
}

/// POSTs `body` unchanged to `{gateway}/webhooks/{channel}/{tenant}`,
/// authenticated the way `channel` does it.
pub async fn send(
    gateway: &str,
    channel: Channel,
    tenant: &str,
    body: Vec<u8>,
    secret: &SecretString,
) -> anyhow::Result<Outcome> {
    let service = Service::gateway(gateway);
    let url = service.url(&format!(
        "/webhooks/{}/{}",
        channel.path(),
        url_segment(tenant)
    ));
    let request = reqwest::Client::new()
        .post(url)
        .header(CONTENT_TYPE, "application/json");
    let request = match channel {
        Channel::Whatsapp => request.header(
            WHATSAPP_SIGNATURE_HEADER,
            whatsapp_signature(secret, &body)?,
        ),
        Channel::Telegram => request.header(TELEGRAM_SECRET_HEADER, secret.expose_secret()),
    };
    let response = request
        .body(body)
        .send()
        .await
        .map_err(|e| service.unreachable(&e))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .context("Failed to read the gateway's answer")?;
    let hint = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Some(format!(
            "the gateway refused the {} of tenant {tenant:?}: check {}",
            match channel {
                Channel::Whatsapp => "signature",
                Channel::Telegram => "secret token",
            },
            channel.secret_source()
        )),
        StatusCode::NOT_FOUND => Some(format!(
            "tenant {tenant:?} does not exist at the gateway (or has no {} webhook)",
            channel.path()
        )),
        StatusCode::SERVICE_UNAVAILABLE => Some(unavailable_hint(&service)),
        _ => None,
    };
    Ok(Outcome { status, body, hint })
}

/// `value` as one percent-encoded path segment.
pub fn url_segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2, as in the gateway's own test.
        let secret = SecretString::from("Jefe".to_owned());
        assert_eq!(
            whatsapp_signature(&secret, b"what do ya want for nothing?").unwrap(),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_json_error_names_its_position() {
        let error = check_json(Path::new("x.json"), b"{\n  \"a\": 1,\n}").unwrap_err();
        assert!(error.0.contains("line 3, column 1"), "{}", error.0);
    }
}
