//! Downloading a media a shopper sent, with the channel's token: WhatsApp's
//! two steps (`GET {graph}/{media-id}` gives a short-lived `url`, then `GET
//! url`, both with the bearer token) and Telegram's (`getFile` gives a
//! `file_path`, then `GET {base}/file/bot<token>/<file_path>`). The body is
//! read in chunks and refused past the cap, whatever the channel announced.
//!
//! The Bot API token is part of its URLs, so transport errors are stripped
//! of their URL before they can reach a log.

use reqwest::{Client, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

/// A media's bytes and MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// MIME type, when the channel tells it (not `application/octet-stream`).
    pub mime_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Why a media could not be downloaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Larger than the cap (`size`: what the channel reported, if it did).
    #[error("the media is larger than {max} bytes")]
    TooLarge {
        /// The cap.
        max: u64,
        /// The size announced.
        size: Option<u64>,
    },
    /// The channel does not know it (expired, wrong id, not ours).
    #[error("the channel has no such media: {0}")]
    NotFound(String),
    /// The channel did not answer, or failed.
    #[error("the channel is unavailable: {0}")]
    Unavailable(String),
}

/// Downloads media from the Graph API and the Bot API.
#[derive(Clone, Debug)]
pub struct MediaDownloader {
    http: Client,
    whatsapp_base: String,
    telegram_base: String,
    max_bytes: u64,
}

impl MediaDownloader {
    /// A downloader of the Graph API at `whatsapp_base` (version included)
    /// and the Bot API at `telegram_base`, refusing media over `max_bytes`.
    pub fn new(http: Client, whatsapp_base: &Url, telegram_base: &Url, max_bytes: u64) -> Self {
        Self {
            http,
            whatsapp_base: whatsapp_base.as_str().trim_end_matches('/').to_owned(),
            telegram_base: telegram_base.as_str().trim_end_matches('/').to_owned(),
            max_bytes,
        }
    }

    /// The WhatsApp media `media_id`, with the number's `access_token`.
    #[tracing::instrument(skip_all, fields(media_id = media_id))]
    pub async fn whatsapp(
        &self,
        access_token: &SecretString,
        media_id: &str,
    ) -> Result<Media, MediaError> {
        if media_id.is_empty() || !media_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(MediaError::NotFound(format!(
                "{media_id:?} is not a media id"
            )));
        }
        let response = self
            .http
            .get(format!("{}/{media_id}", self.whatsapp_base))
            .bearer_auth(access_token.expose_secret())
            .send()
            .await
            .map_err(|e| MediaError::Unavailable(e.to_string()))?;
        let answer = json_answer(response, "Graph API").await?;
        if let Some(size) = answer["file_size"].as_u64() {
            self.check_size(Some(size))?;
        }
        let url = answer["url"]
            .as_str()
            .ok_or_else(|| MediaError::Unavailable("Graph API gave no media url".to_owned()))?;
        let response = self
            .http
            .get(url)
            .bearer_auth(access_token.expose_secret())
            .send()
            .await
            .map_err(|e| MediaError::Unavailable(e.without_url().to_string()))?;
        let announced = answer["mime_type"].as_str().map(str::to_owned);
        let mut media = self.body(response, "the media url").await?;
        media.mime_type = announced.or(media.mime_type);
        Ok(media)
    }

    /// The Telegram file `file_id`, with the bot's `token`.
    #[tracing::instrument(skip_all)]
    pub async fn telegram(&self, token: &SecretString, file_id: &str) -> Result<Media, MediaError> {
        let url = Url::parse_with_params(
            &format!(
                "{}/bot{}/getFile",
                self.telegram_base,
                token.expose_secret()
            ),
            [("file_id", file_id)],
        )
        .map_err(|_| MediaError::Unavailable("the Bot API base is not a URL".to_owned()))?;
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| MediaError::Unavailable(e.without_url().to_string()))?;
        let answer = json_answer(response, "Bot API").await?;
        if answer["ok"].as_bool() != Some(true) {
            return Err(MediaError::NotFound(
                answer["description"]
                    .as_str()
                    .unwrap_or("getFile refused")
                    .to_owned(),
            ));
        }
        let file = &answer["result"];
        self.check_size(file["file_size"].as_u64())?;
        let path = file["file_path"].as_str().ok_or_else(|| {
            // The Bot API gives no path for files over its own 20 MB limit.
            MediaError::TooLarge {
                max: self.max_bytes,
                size: file["file_size"].as_u64(),
            }
        })?;
        let response = self
            .http
            .get(format!(
                "{}/file/bot{}/{}",
                self.telegram_base,
                token.expose_secret(),
                path.trim_start_matches('/')
            ))
            .send()
            .await
            .map_err(|e| MediaError::Unavailable(e.without_url().to_string()))?;
        self.body(response, "the Bot API file").await
    }

    fn check_size(&self, size: Option<u64>) -> Result<(), MediaError> {
        match size {
            Some(size) if size > self.max_bytes => Err(MediaError::TooLarge {
                max: self.max_bytes,
                size: Some(size),
            }),
            _ => Ok(()),
        }
    }

    /// The body of a download, at most the cap.
    async fn body(&self, mut response: Response, what: &str) -> Result<Media, MediaError> {
        let status = response.status();
        if !status.is_success() {
            return Err(status_error(status, what));
        }
        self.check_size(response.content_length())?;
        let mime_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.starts_with("application/octet-stream"))
            .map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| MediaError::Unavailable(e.without_url().to_string()))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > self.max_bytes {
                return Err(MediaError::TooLarge {
                    max: self.max_bytes,
                    size: None,
                });
            }
        }
        Ok(Media { mime_type, bytes })
    }
}

/// A JSON answer of a channel API, or the error its status means.
async fn json_answer(response: Response, api: &str) -> Result<Value, MediaError> {
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(answer);
    }
    let detail = answer["error"]["message"]
        .as_str()
        .or(answer["description"].as_str())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    match status_error(status, api) {
        MediaError::NotFound(m) => Err(MediaError::NotFound(format!("{m}{detail}"))),
        other => Err(other),
    }
}

fn status_error(status: StatusCode, what: &str) -> MediaError {
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        MediaError::NotFound(format!("{what} answered {status}"))
    } else {
        MediaError::Unavailable(format!("{what} answered {status}"))
    }
}
