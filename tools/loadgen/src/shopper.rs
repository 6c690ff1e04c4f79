//! One shopper: a conversation with one brand on one channel, saying the
//! lines of a shopping script in turn ("hi", a search, "1 of 1", "yes" —
//! which places an order — and again), one message at a time. Each message
//! is a distinct webhook (fresh `wamid`, `update_id` and `message_id`, or
//! `client_message_id`; delivered again while it fails, as the channel
//! would: [`crate::deliver`]), timed from the moment it is first sent until the
//! gateway answers (HTTP latency) and until its answer reaches the fake
//! Graph or Bot API, or the web chat's event stream (end to end).

use std::{sync::Arc, time::Instant};

use serde_json::json;

use crate::{
    channel::Channel,
    deliver::deliver,
    outbound,
    record::{Outcome, Recorder},
    target::Target,
    tenants::{APP_SECRET, LoadBrand},
    webchat,
};

/// A shopper and where they are in the script.
pub struct Shopper {
    channel: Channel,
    brand: Arc<LoadBrand>,
    number: i64,
    said: usize,
    session: Option<webchat::Session>,
}

impl Shopper {
    /// Shopper number `number` on `channel`, writing to `brand`.
    pub fn new(number: usize, channel: Channel, brand: Arc<LoadBrand>) -> Self {
        Self {
            channel,
            brand,
            number: i64::try_from(number).unwrap_or(i64::MAX),
            said: 0,
            session: None,
        }
    }

    /// The next line of the script.
    fn next_line(&mut self) -> String {
        let line = match self.said % 4 {
            0 => "hi".to_owned(),
            1 => self.brand.search.clone(),
            2 => "1 of 1".to_owned(),
            _ => "yes".to_owned(),
        };
        self.said += 1;
        line
    }

    /// Sends the next message and waits for its answer (up to the
    /// deadline); records what happened.
    pub async fn say(&mut self, target: &Target, recorder: &Recorder) {
        let text = self.next_line();
        let outcome = match self.channel {
            Channel::WhatsApp => self.whatsapp(target, recorder, &text).await,
            Channel::Telegram => self.telegram(target, recorder, &text).await,
            Channel::Webchat => self.webchat(target, recorder, &text).await,
        };
        let what = format!(
            "shopper {} of {}/{} {text:?}",
            self.number, self.brand.tenant, self.brand.brand
        );
        recorder.record(self.channel, &what, outcome);
    }

    async fn whatsapp(&self, target: &Target, recorder: &Recorder, text: &str) -> Outcome {
        let wa_id = format!("57{:05}{:06}", target.salt, self.number);
        let (wamid, body) =
            store_testkit::whatsapp::whatsapp_text_to(&self.brand.number, &wa_id, text);
        let signature = store_testkit::whatsapp::signature(APP_SECRET, &body);
        let key = outbound::whatsapp_key(&wamid);
        let answer = target.outbound.expect(key.clone());
        let request = target
            .http
            .post(format!(
                "{}/webhooks/whatsapp/{}",
                target.gateway, self.brand.tenant
            ))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body);
        deliver_and_await(target, recorder, Channel::WhatsApp, request, &key, answer).await
    }

    async fn telegram(&self, target: &Target, recorder: &Recorder, text: &str) -> Outcome {
        let chat = 7_000_000_000_000 + target.salt * 1_000_000 + self.number;
        let message_id = target.telegram_id();
        let mut update = target.telegram_template.clone();
        update["update_id"] = json!(target.telegram_id());
        let message = &mut update["message"];
        message["message_id"] = json!(message_id);
        message["from"]["id"] = json!(chat);
        message["chat"]["id"] = json!(chat);
        message["date"] = json!(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        );
        message["text"] = json!(text);
        let key = outbound::telegram_key(chat, message_id);
        let answer = target.outbound.expect(key.clone());
        let request = target
            .http
            .post(format!(
                "{}/webhooks/telegram/{}",
                target.gateway, self.brand.tenant
            ))
            .header("content-type", "application/json")
            .header(
                "x-telegram-bot-api-secret-token",
                &self.brand.telegram_secret,
            )
            .body(update.to_string());
        deliver_and_await(target, recorder, Channel::Telegram, request, &key, answer).await
    }

    async fn webchat(&mut self, target: &Target, recorder: &Recorder, text: &str) -> Outcome {
        if self.session.is_none() {
            match webchat::Session::open(target, &self.brand, self.number).await {
                Ok(session) => self.session = Some(session),
                Err(failure) => {
                    recorder.session_failed(&failure);
                    return Outcome::new(Instant::now(), false);
                }
            }
        }
        let Some(session) = self.session.as_mut() else {
            return Outcome::new(Instant::now(), false);
        };
        session.say(target, recorder, text).await
    }
}

/// Delivers a webhook (again while it fails, as the channel does) and
/// waits until the answer keyed `key` arrives or the deadline passes.
async fn deliver_and_await(
    target: &Target,
    recorder: &Recorder,
    channel: Channel,
    request: reqwest::RequestBuilder,
    key: &str,
    answer: tokio::sync::oneshot::Receiver<Instant>,
) -> Outcome {
    let sent = Instant::now();
    let delivered = deliver(request, channel, recorder, sent, target.deadline).await;
    let accepted = matches!(delivered.answer, Some((_, status, _)) if (200..300).contains(&status));
    let mut outcome = Outcome::new(sent, accepted);
    if !accepted {
        target.outbound.forget(key);
        return outcome;
    }
    let left = target.deadline.saturating_sub(sent.elapsed());
    match tokio::time::timeout(left, answer).await {
        Ok(Ok(at)) => outcome.answered = Some(at),
        _ => target.outbound.forget(key),
    }
    outcome
}
