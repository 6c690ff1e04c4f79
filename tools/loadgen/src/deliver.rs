//! Delivering one request as the channel does: Meta and Telegram deliver a
//! webhook again while it is answered 5xx, 429 or not at all (and the web
//! chat page posts again with the same `client_message_id`), with a
//! growing pause, until the message's deadline. Every attempt's status,
//! HTTP latency and (for a non-2xx) body is recorded; a 4xx other than
//! 429 is final (the request itself is wrong).

use std::time::{Duration, Instant};

use crate::{
    channel::Channel,
    record::{Attempt, Recorder},
};

/// The first pause before delivering again (then doubled, up to 8 s).
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// What the last attempt got.
pub struct Delivered {
    /// When it was answered, with which status, and the response for a
    /// 2xx (to read its body).
    pub answer: Option<(Instant, u16, Option<reqwest::Response>)>,
}

/// Sends `request` until it is answered 2xx or refused for good, or until
/// `deadline` after `sent`.
pub async fn deliver(
    request: reqwest::RequestBuilder,
    channel: Channel,
    recorder: &Recorder,
    sent: Instant,
    deadline: Duration,
) -> Delivered {
    let mut pause = FIRST_PAUSE;
    loop {
        let Some(attempt) = request.try_clone() else {
            // Only streamed bodies cannot be cloned; ours are bytes.
            return Delivered { answer: None };
        };
        let started = Instant::now();
        let (status, response) = match attempt.send().await {
            Ok(response) => (Some(response.status().as_u16()), Some(response)),
            Err(error) => {
                recorder.attempt(Attempt {
                    channel,
                    status: None,
                    latency: started.elapsed(),
                    failure: Some(format!("no answer: {error}")),
                });
                (None, None)
            }
        };
        if let (Some(status), Some(response)) = (status, response) {
            let latency = started.elapsed();
            let at = Instant::now();
            if (200..300).contains(&status) {
                recorder.attempt(Attempt {
                    channel,
                    status: Some(status),
                    latency,
                    failure: None,
                });
                return Delivered {
                    answer: Some((at, status, Some(response))),
                };
            }
            let body = response.text().await.unwrap_or_default();
            recorder.attempt(Attempt {
                channel,
                status: Some(status),
                latency,
                failure: Some(body),
            });
            if status < 500 && status != 429 {
                return Delivered {
                    answer: Some((at, status, None)),
                };
            }
        }
        if sent.elapsed() + pause >= deadline {
            return Delivered { answer: None };
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(8));
    }
}
