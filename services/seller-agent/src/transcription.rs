//! Voice notes to text: an OpenAI-compatible speech-to-text client
//! (`POST {base}/audio/transcriptions`, `multipart/form-data` with the audio
//! as the `file` part, named with an extension that tells its format, the
//! `model` and an optional ISO-639-1 `language` hint; the answer is JSON
//! `{"text": …}`). OpenAI, Groq, a local faster-whisper or whisper.cpp
//! server speak it.
//!
//! The API key travels only as a bearer header marked sensitive; errors
//! never carry the response body, so nothing the server echoes is logged.

use std::time::Duration;

use reqwest::{
    Url,
    header::{AUTHORIZATION, HeaderMap, HeaderValue},
    multipart::{Form, Part},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The model used when `TRANSCRIBE_MODEL` is not set.
pub const DEFAULT_MODEL: &str = "whisper-1";

/// Where and how to transcribe (`TRANSCRIBE_*`, see `config`).
#[derive(Debug, Clone)]
pub struct TranscribeConfig {
    /// Base URL, e.g. `https://api.openai.com/v1` (`TRANSCRIBE_BASE_URL`).
    pub base_url: String,
    /// Bearer key (`TRANSCRIBE_API_KEY` or `TRANSCRIBE_API_KEY_FILE`).
    pub api_key: Option<SecretString>,
    /// Model (`TRANSCRIBE_MODEL`, default [`DEFAULT_MODEL`]).
    pub model: String,
    /// How long fetching the audio, and then transcribing it, may each take
    /// (`TRANSCRIBE_TIMEOUT_MS`, default 30000).
    pub timeout: Duration,
}

impl TranscribeConfig {
    /// A configuration for the server at `base_url`, with the default model
    /// and timeout and no key.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: None,
            model: DEFAULT_MODEL.to_owned(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A voice note could not be transcribed.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// The configuration is unusable.
    #[error("transcription is misconfigured: {0}")]
    Config(String),
    /// No answer (connection refused, timeout).
    #[error("the transcription server did not answer: {0}")]
    Transport(String),
    /// An answer other than 2xx.
    #[error("the transcription server answered {0}")]
    Status(u16),
    /// A 2xx answer without `text`.
    #[error("the transcription server's answer has no text")]
    Malformed,
}

/// Turns audio into text.
#[derive(Debug, Clone)]
pub struct Transcriber {
    client: reqwest::Client,
    url: Url,
    model: String,
    timeout: Duration,
}

#[derive(Deserialize)]
struct Transcription {
    text: String,
}

impl Transcriber {
    /// A client of the server `config` names.
    pub fn new(config: &TranscribeConfig) -> Result<Self, TranscribeError> {
        let base = config.base_url.trim_end_matches('/');
        let url = Url::parse(&format!("{base}/audio/transcriptions"))
            .map_err(|e| TranscribeError::Config(format!("invalid base URL {base:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TranscribeError::Config(format!(
                "base URL {base:?} must be http or https"
            )));
        }
        let mut headers = HeaderMap::new();
        if let Some(key) = &config.api_key {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose_secret()))
                .map_err(|_| TranscribeError::Config("the API key is not a header value".into()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .default_headers(headers)
            .build()
            .map_err(|e| TranscribeError::Config(format!("no HTTP client: {e}")))?;
        Ok(Self {
            client,
            url,
            model: config.model.clone(),
            timeout: config.timeout,
        })
    }

    /// How long one step (fetching the audio, transcribing it) may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The text of `audio` (of MIME type `mime_type`), in `language` when
    /// given (an ISO-639-1 hint), trimmed.
    #[tracing::instrument(skip_all, fields(bytes = audio.len(), mime_type = mime_type))]
    pub async fn transcribe(
        &self,
        audio: Vec<u8>,
        mime_type: &str,
        language: Option<&str>,
    ) -> Result<String, TranscribeError> {
        let essence = mime_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let file = Part::bytes(audio)
            .file_name(format!("voice.{}", extension(&essence)))
            .mime_str(if essence.is_empty() {
                "application/octet-stream"
            } else {
                &essence
            })
            .map_err(|_| TranscribeError::Config(format!("bad MIME type {mime_type:?}")))?;
        let mut form = Form::new()
            .part("file", file)
            .text("model", self.model.clone())
            .text("response_format", "json");
        if let Some(language) = language.filter(|l| l.len() == 2) {
            form = form.text("language", language.to_ascii_lowercase());
        }
        let response = self
            .client
            .post(self.url.clone())
            .multipart(form)
            .send()
            .await
            .map_err(|e| TranscribeError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(TranscribeError::Status(status.as_u16()));
        }
        let transcription: Transcription = response
            .json()
            .await
            .map_err(|_| TranscribeError::Malformed)?;
        Ok(transcription.text.trim().to_owned())
    }
}

/// The file extension speech-to-text servers recognise for a MIME type
/// (they tell the format by the file name); `ogg` for the voice notes of
/// WhatsApp and Telegram (Opus in Ogg) and anything unknown.
fn extension(essence: &str) -> &'static str {
    match essence {
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "audio/aac" => "m4a",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "audio/webm" => "webm",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/amr" => "amr",
        _ => "ogg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_tells_the_format() {
        assert_eq!(extension("audio/ogg"), "ogg");
        assert_eq!(extension("audio/mpeg"), "mp3");
        assert_eq!(extension("audio/mp4"), "m4a");
        assert_eq!(extension(""), "ogg");
    }

    #[test]
    fn a_base_url_must_be_http() {
        assert!(Transcriber::new(&TranscribeConfig::new("ftp://example.com/v1")).is_err());
        assert!(Transcriber::new(&TranscribeConfig::new("http://127.0.0.1:9/v1")).is_ok());
    }
}
