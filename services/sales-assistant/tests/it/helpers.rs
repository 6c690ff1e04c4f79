//! `TestApp`: the sales assistant started by [`store_testkit::TestApp`]
//! (as `main` starts it: port 0, a fresh database, a private exchange on
//! the real broker), optionally reaching the broker through a proxy the
//! test can cut, with typed helpers.

use std::{
    ops::Deref,
    sync::{
        Arc,
        atomic::{AtomicU16, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use sales_assistant::{Application, Config};
use secrecy::SecretString;
use serde_json::Value;
use store_events::{
    BrandId, ConversationId, Event, EventContext, TenantId,
    data::{
        Channel, ChatMessageNew, ChatResponse, Customer, EscalationReason, MessageContent,
        Priority, ResponsePart, Role, SalesEscalate, Sender, TranscriptMessage,
    },
    new_event,
};
use store_testkit::{
    TestEnv,
    proxy::{self, Proxy},
    tenants::ADMIN_TOKEN,
};
use tokio::sync::mpsc;

#[allow(unused_imports)]
pub use crate::browser::{Account, Browser, PASSWORD, csrf_of, path_of};

pub const BRAND: &str = "shoes";
pub const CUSTOMER: &str = "5511999990000";

pub struct TestApp {
    app: store_testkit::TestApp,
    /// The proxy the service reaches the broker through, when asked for.
    pub proxy: Option<Proxy>,
    /// The operator listener's port (`POST /admin/tenants/{tenant}/owners`).
    pub operator_port: u16,
}

/// The service's `address`, `http`, `pool`, `bus` (the test's own client,
/// straight to the broker), `exchange`, `url()`.
impl Deref for TestApp {
    type Target = store_testkit::TestApp;

    fn deref(&self) -> &Self::Target {
        &self.app
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::start(false, |_| {}).await
    }

    /// The service reaches the broker through a proxy the test can cut.
    pub async fn spawn_behind_proxy() -> Self {
        Self::start(true, |_| {}).await
    }

    /// The service with the test configuration changed by `configure`.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        Self::start(false, configure).await
    }

    async fn start(
        behind_proxy: bool,
        configure: impl FnOnce(&mut Config) + Send + 'static,
    ) -> Self {
        let amqp = store_testkit::amqp_url();
        let proxy = if behind_proxy {
            Some(Proxy::start(proxy::host_port(&amqp)).await)
        } else {
            None
        };
        let service_amqp = proxy.as_ref().map(|proxy| proxy::via(&amqp, proxy.port));
        let operator_port = Arc::new(AtomicU16::new(0));
        let operator = operator_port.clone();
        let app = store_testkit::TestApp::spawn("sales-assistant", |env: TestEnv| async move {
            let mut config = Config::for_tests(env.database_url, env.bus);
            if let Some(url) = service_amqp {
                config.bus.url = SecretString::from(url);
            }
            config.admin_token = Some(SecretString::from(ADMIN_TOKEN));
            // Quick to give up on a broker that is gone.
            config.bus.confirm_timeout = Duration::from_secs(3);
            configure(&mut config);
            let app = Application::build(config).await?;
            operator.store(app.operator_port(), Ordering::SeqCst);
            Ok(app)
        })
        .await
        .unwrap();
        Self {
            app,
            proxy,
            operator_port: operator_port.load(Ordering::SeqCst),
        }
    }

    /// Stops the service; it must drain and stop cleanly.
    pub async fn stop(self) {
        self.app.stop().await.unwrap();
    }

    /// Creates `tenant`; returns its API key.
    pub async fn tenant(&self, tenant: &str) -> String {
        self.create_tenant(tenant, tenant).await.unwrap()
    }

    pub async fn get(&self, key: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// Publishes `event` from the test's own bus client.
    pub async fn publish(&self, event: &Event) {
        store_events::validation::validate(event).unwrap();
        self.bus.publish(event.clone()).await.unwrap();
    }

    /// Waits until the sales assistant has handled `count` events of `ty`
    /// (first deliveries and redeliveries alike), from its `/metrics`.
    pub async fn wait_handled(&self, ty: &str, count: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let handled = self.handled(ty).await;
            if handled >= count {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{handled} of {count} {ty} events handled after 15 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn handled(&self, ty: &str) -> u64 {
        self.metric("store_events_consumed_total", &[("type", ty)])
            .await as u64
    }

    /// Waits until metric `name` with `labels` reads `value`.
    pub async fn wait_metric(&self, name: &str, labels: &[(&str, &str)], value: f64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let now = self.metric(name, labels).await;
            if (now - value).abs() < f64::EPSILON {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} {labels:?} is {now}, expected {value}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the open hand-off of `conversation` to appear in the API.
    pub async fn wait_for_handoff(&self, key: &str, conversation: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let (status, body) = self.get(key, "/api/v1/handoffs?status=open").await;
            assert_eq!(status, 200, "{body}");
            if let Some(found) = body["handoffs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["conversation"] == conversation)
            {
                return found.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no open hand-off for {conversation} after 15 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A hand-off with its transcript.
    pub async fn handoff(&self, key: &str, id: &str) -> Value {
        let (status, body) = self.get(key, &format!("/api/v1/handoffs/{id}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Escalates `conversation` of `tenant` and waits for its hand-off.
    pub async fn escalated(&self, tenant: &str, key: &str, conversation: &str) -> Value {
        self.publish(&escalation(
            tenant,
            conversation,
            "Wants a refund",
            Priority::Normal,
        ))
        .await;
        self.wait_for_handoff(key, conversation).await
    }

    /// Events matching `binding` published from now on.
    pub async fn watch(&self, binding: &str) -> mpsc::UnboundedReceiver<Event> {
        self.app.watch([binding]).await.unwrap()
    }
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn context(tenant: &str, conversation: &str) -> EventContext {
    EventContext::new(TenantId::parse(tenant).unwrap())
        .with_brand(BrandId::parse(BRAND).unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap())
}

pub fn at(seconds_ago: i64) -> DateTime<Utc> {
    let now = Utc::now() - chrono::Duration::seconds(seconds_ago);
    // Stored with microseconds.
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap()
}

/// A `store.sales.escalate` of `conversation`, from a WhatsApp shopper,
/// with two last messages.
pub fn escalation(tenant: &str, conversation: &str, summary: &str, priority: Priority) -> Event {
    let data = SalesEscalate {
        reason: EscalationReason::CustomerRequest,
        summary: summary.to_owned(),
        customer: Customer {
            display_name: Some("Ana".to_owned()),
            ..Customer::new(CUSTOMER)
        },
        channel: Channel::Whatsapp,
        priority,
        last_messages: Some(vec![
            TranscriptMessage {
                role: Role::Customer,
                text: "My sneakers arrived torn, I want my money back".to_owned(),
                at: at(60),
            },
            TranscriptMessage {
                role: Role::Ai,
                text: "I am handing you to a colleague.".to_owned(),
                at: at(59),
            },
        ]),
    };
    new_event("/tests", &context(tenant, conversation), &data).unwrap()
}

/// A shopper's text message in `conversation`.
pub fn shopper_message(tenant: &str, conversation: &str, text: &str) -> Event {
    let data = ChatMessageNew {
        message_id: uuid::Uuid::now_v7().to_string(),
        channel: Channel::Whatsapp,
        channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
        customer: Customer::new(CUSTOMER),
        sent_at: at(0),
        content: MessageContent::Text {
            text: text.to_owned(),
        },
        reply_to: None,
        edited: false,
    };
    new_event("/tests", &context(tenant, conversation), &data).unwrap()
}

/// A one-text reply to the shopper of `conversation`, written by `sender`.
pub fn reply(tenant: &str, conversation: &str, sender: Sender, text: &str) -> Event {
    let data = ChatResponse {
        channel: Channel::Whatsapp,
        recipient: CUSTOMER.to_owned(),
        reply_to_message_id: None,
        sender,
        parts: vec![ResponsePart::Text {
            text: text.to_owned(),
        }],
    };
    new_event("/tests", &context(tenant, conversation), &data).unwrap()
}

/// The texts of a hand-off's transcript with their authors.
pub fn transcript(handoff: &Value) -> Vec<(String, String)> {
    handoff["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The next event (checked against its schema), or a failed test after 15 s.
pub async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    let event = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("no event within 15 s")
        .expect("watcher closed");
    store_events::validation::validate(&event).unwrap();
    event
}

/// The string value of an extension.
pub fn extension(event: &Event, name: &str) -> Option<String> {
    event.extension(name).map(ToString::to_string)
}
