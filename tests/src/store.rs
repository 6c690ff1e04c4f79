//! The whole store as processes for end-to-end tests: the real gateway,
//! catalog, order processor and sellers (started by `store-stack`, as
//! `scripts/run.sh` does) on private databases, exchange, queues and ports,
//! with fake WhatsApp Graph API and Telegram Bot API servers on loopback.
//!
//! The tenants file is the demo one plus channels the tests own: the
//! WhatsApp number of the shared fixtures (`1122334455667`) and a Telegram
//! bot, both routed straight to [`BRAND`].

use std::{path::PathBuf, time::Duration};

use cloudevents::Event;
use secrecy::SecretString;
use serde_json::{Value, json};
use store_bus::{Bus, BusConfig, ConsumerConfig, ConsumerHandle, Inbox};
use store_stack::{LlmSettings, Ports, Stack, StackConfig};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

/// How long the store may take to answer one message.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// The tenant every end-to-end test shops at.
pub const TENANT: &str = "demo";
/// The brand the tests' channels route to.
pub const BRAND: &str = "fashion";
/// The fixtures' WhatsApp business number.
pub const WHATSAPP_NUMBER: &str = "1122334455667";
/// The tests' WhatsApp app secret.
pub const WHATSAPP_APP_SECRET: &str = "e2e-app-secret";
/// The tests' Telegram bot.
pub const TELEGRAM_BOT_TOKEN: &str = "7000000099:e2e-bot-token";
/// The tests' Telegram secret token.
pub const TELEGRAM_SECRET: &str = "e2e-telegram-secret";

/// A running store.
pub struct Store {
    /// The processes.
    pub stack: Stack,
    /// Fake Graph API: what the gateway sent to WhatsApp.
    pub whatsapp: MockServer,
    /// Fake Bot API: what the gateway sent to Telegram.
    pub telegram: MockServer,
    /// The private exchange (queues are prefixed with it).
    pub exchange: String,
    database_prefix: String,
    dir: PathBuf,
    http: reqwest::Client,
}

pub use store_testkit::{
    fixture,
    whatsapp::{whatsapp_from_fixture, whatsapp_text},
};

/// `target/debug`, where this test binary's siblings (the services) are.
fn bin_dir() -> PathBuf {
    store_stack::process::bin_dir().expect("the target directory")
}

/// The demo tenants plus the tests' own channels.
fn tenants_yaml() -> String {
    let demo = include_str!("../../config/tenants.demo.yaml");
    let mut file: Value = serde_saphyr::from_str(demo).expect("demo tenants parse");
    let tenant = file["tenants"]
        .as_array_mut()
        .and_then(|ts| ts.iter_mut().find(|t| t["id"] == TENANT))
        .expect("the demo tenant");
    tenant["whatsapp"]
        .as_array_mut()
        .expect("whatsapp channels")
        .push(json!({
            "phone_number_id": WHATSAPP_NUMBER,
            "verify_token": { "value": "e2e-verify-token" },
            "app_secret": { "value": WHATSAPP_APP_SECRET },
            "access_token": { "value": "e2e-access-token" },
            "brand": BRAND,
        }));
    tenant["telegram"]
        .as_array_mut()
        .expect("telegram bots")
        .push(json!({
            "bot_token": { "value": TELEGRAM_BOT_TOKEN },
            "secret_token": { "value": TELEGRAM_SECRET },
            "brand": BRAND,
        }));
    // JSON is YAML: the services read it as any tenants file.
    serde_json::to_string_pretty(&file).expect("tenants serialise")
}

async fn fake_whatsapp() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .and(matchers::path_regex(r"^/[0-9]+/messages$"))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(json!({
                "messaging_product": "whatsapp",
                "contacts": [{ "input": body["to"], "wa_id": body["to"] }],
                "messages": [{ "id": format!("wamid.{}", uuid::Uuid::new_v4().simple()) }],
            }))
        })
        .mount(&server)
        .await;
    server
}

async fn fake_telegram() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .and(matchers::path_regex(r"^/bot[^/]+/send[A-Za-z]+$"))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(json!({
                "ok": true,
                "result": {
                    "message_id": rand_id(),
                    "date": 1_700_000_000,
                    "chat": { "id": body["chat_id"], "type": "private" },
                    "text": body["text"],
                },
            }))
        })
        .mount(&server)
        .await;
    server
}

fn rand_id() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32 >> 1
}

impl Store {
    /// Starts the store with one seller, for [`BRAND`], on the offline
    /// brain.
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// Starts the store with one seller, for [`BRAND`], using `llm`.
    pub async fn start_with(llm: Option<LlmSettings>) -> Self {
        Self::start_with_env(llm, &[]).await
    }

    /// Starts the store with one seller, for [`BRAND`], using `llm`, with
    /// `env` added to every service's environment (it wins over the
    /// defaults here, e.g. `SELLER_BURST_WINDOW_MS` or the seller's
    /// `LLM_TURN_BUDGET_MS`).
    pub async fn start_with_env(llm: Option<LlmSettings>, env: &[(&str, &str)]) -> Self {
        store_telemetry::init_for_tests();
        let base = store_testkit::unique("e2e");
        let dir = std::env::temp_dir().join(&base);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let tenants_file = dir.join("tenants.yaml");
        std::fs::write(&tenants_file, tenants_yaml()).expect("tenants file");
        let whatsapp = fake_whatsapp().await;
        let telegram = fake_telegram().await;

        let mut config = StackConfig::local(bin_dir(), tenants_file, dir.clone());
        config.amqp_url = store_testkit::amqp_url();
        let exchange = format!("{base}.events");
        config.exchange = Some(exchange.clone());
        config.database_prefix = format!("t_{}", base.replace('-', "_"));
        config.ports = Ports::free(1).expect("free ports");
        config.sellers = Some(vec![format!("{TENANT}/{BRAND}")]);
        config.llm = llm;
        config.env = vec![
            ("RUST_LOG".to_owned(), "info".to_owned()),
            ("OTEL_TRACES_EXPORTER".to_owned(), "none".to_owned()),
            // The human sellers here answer through the API, with no inbox
            // session: an escalation must not be deferred for want of one
            // signed in (the sales assistant's own tests cover deferral).
            (
                "INBOX_DEFER_WHEN_NOBODY_SIGNED_IN".to_owned(),
                "false".to_owned(),
            ),
            // These tests wait for each answer before writing again: a
            // short burst window keeps them fast (a test of bursts sets
            // its own).
            ("SELLER_BURST_WINDOW_MS".to_owned(), "300".to_owned()),
        ];
        config
            .env
            .extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        config.gateway_env = vec![
            ("WHATSAPP_API_BASE".to_owned(), whatsapp.uri()),
            ("TELEGRAM_API_BASE".to_owned(), telegram.uri()),
            ("GATEWAY_SEND_BACKOFF_MS".to_owned(), "50".to_owned()),
        ];
        config.ready_timeout = Duration::from_secs(120);
        let stack = match Stack::start(&config).await {
            Ok(stack) => stack,
            Err(error) => panic!("the store did not start: {error:#}"),
        };
        Self {
            stack,
            whatsapp,
            telegram,
            exchange,
            database_prefix: config.database_prefix,
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// The gateway's base URL.
    pub fn gateway(&self) -> &str {
        &self.stack.urls().gateway
    }

    /// The order processor's API key for [`TENANT`].
    pub fn orders_key(&self) -> String {
        self.stack.urls().orders_api_keys[TENANT].clone()
    }

    /// GETs `path` from the sales assistant (the human sellers' inbox) with
    /// [`TENANT`]'s key.
    pub async fn sales_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.stack.urls().sales))
            .bearer_auth(&self.stack.urls().sales_api_keys[TENANT])
            .send()
            .await
            .expect("the sales assistant answers")
            .json()
            .await
            .expect("JSON")
    }

    /// POSTs `body` to `path` on the sales assistant with [`TENANT`]'s key,
    /// as a human seller's inbox does; returns the status and answer.
    pub async fn sales_post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.stack.urls().sales))
            .bearer_auth(&self.stack.urls().sales_api_keys[TENANT])
            .json(&body)
            .send()
            .await
            .expect("the sales assistant answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Posts a WhatsApp webhook body, signed like Meta signs it.
    pub async fn post_whatsapp(&self, body: Vec<u8>) -> reqwest::Response {
        let signature = store_testkit::whatsapp::signature(WHATSAPP_APP_SECRET, &body);
        self.http
            .post(format!("{}/webhooks/whatsapp/{TENANT}", self.gateway()))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await
            .expect("the gateway answers")
    }

    /// Posts a Telegram update with the bot's secret token.
    pub async fn post_telegram(&self, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(format!("{}/webhooks/telegram/{TENANT}", self.gateway()))
            .header("content-type", "application/json")
            .header("x-telegram-bot-api-secret-token", TELEGRAM_SECRET)
            .body(body)
            .send()
            .await
            .expect("the gateway answers")
    }

    /// The Graph API bodies the gateway sent to WhatsApp user `wa_id`, in
    /// order.
    pub async fn whatsapp_bodies(&self, wa_id: &str) -> Vec<Value> {
        self.whatsapp
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .filter(|b| b["to"] == wa_id)
            .collect()
    }

    /// `tenant`'s catalog API key, as the stack saved it when it seeded the
    /// catalog.
    pub fn catalog_key(&self, tenant: &str) -> String {
        let saved = std::fs::read_to_string(self.dir.join("catalog-api-keys.txt"))
            .expect("the stack saves the catalog's keys");
        let prefix = format!("tenant {tenant}: ");
        saved
            .lines()
            .filter(|line| line.starts_with(&prefix))
            .find_map(|line| {
                line.rsplit_once("API key ")
                    .map(|(_, key)| key.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no catalog key of {tenant} in {saved}"))
    }

    /// The catalog's base URL (its API, and the pictures it serves).
    pub fn catalog(&self) -> &str {
        &self.stack.urls().catalog
    }

    /// Texts the gateway sent to WhatsApp user `wa_id`, in order.
    pub async fn whatsapp_texts(&self, wa_id: &str) -> Vec<String> {
        sent_texts(&self.whatsapp, |b| b["to"] == wa_id).await
    }

    /// Texts the gateway sent to Telegram chat `chat_id`, in order.
    pub async fn telegram_texts(&self, chat_id: i64) -> Vec<String> {
        sent_texts(&self.telegram, |b| {
            b["chat_id"] == chat_id || b["chat_id"].as_str() == Some(chat_id.to_string().as_str())
        })
        .await
    }

    /// Sends `text` from WhatsApp user `wa_id` and returns what the store
    /// sent back to them (waits for at least one message, then for the
    /// reply to settle).
    pub async fn whatsapp_say(&self, wa_id: &str, text: &str) -> Vec<String> {
        let before = self.whatsapp_texts(wa_id).await.len();
        let response = self.post_whatsapp(whatsapp_text(wa_id, text)).await;
        assert_eq!(
            response.status(),
            200,
            "webhook refused: {:?}",
            response.text().await
        );
        self.replies(before, || self.whatsapp_texts(wa_id)).await
    }

    /// Sends `text` from Telegram chat `chat_id` and returns what the store
    /// sent back.
    pub async fn telegram_say(&self, chat_id: i64, text: &str) -> Vec<String> {
        let before = self.telegram_texts(chat_id).await.len();
        let response = self.post_telegram(telegram_text(chat_id, text)).await;
        assert_eq!(
            response.status(),
            200,
            "webhook refused: {:?}",
            response.text().await
        );
        self.replies(before, || self.telegram_texts(chat_id)).await
    }

    /// The messages after the first `before` of `read`, once at least one
    /// arrived and none followed for a moment.
    pub async fn replies<F, Fut>(&self, before: usize, read: F) -> Vec<String>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Vec<String>>,
    {
        let mut seen = wait_for("replies", before + 1, REPLY_TIMEOUT, &read).await;
        loop {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let now = read().await;
            if now.len() == seen.len() {
                return seen.split_off(before);
            }
            seen = now;
        }
    }

    /// Connects to the store's private exchange as an observer: every event
    /// matching `binding` (e.g. `store.sales.escalate.#`) arrives on the
    /// returned channel.
    pub async fn observe(&self, binding: &str) -> Observer {
        let bus = self.bus("observer").await;
        let (handler, events) = Inbox::channel();
        let stop = CancellationToken::new();
        let handle = bus
            .consume(
                ConsumerConfig::new(
                    format!(
                        "{}.observer.{}",
                        self.exchange,
                        uuid::Uuid::new_v4().simple()
                    ),
                    [binding.to_owned()],
                ),
                handler,
                stop.clone(),
            )
            .await
            .expect("observer queue");
        Observer {
            bus,
            events,
            stop,
            _handle: handle,
        }
    }

    async fn bus(&self, service: &str) -> Bus {
        let config = BusConfig::new(service, SecretString::from(store_testkit::amqp_url()))
            .with_exchange(&self.exchange);
        Bus::connect(
            config,
            store_telemetry::Metrics::new(service).expect("metrics"),
        )
        .await
        .expect("the broker answers")
    }

    /// Lines of `service`'s log (`gateway`, `order-processor`,
    /// `seller-demo-fashion`…).
    pub fn log(&self, service: &str) -> String {
        std::fs::read_to_string(self.stack.log(service)).unwrap_or_default()
    }

    /// Orders of `customer` from the order processor's API.
    pub async fn orders_of(&self, customer: &str) -> Vec<Value> {
        let answer: Value = self
            .http
            .get(format!(
                "{}/api/v1/orders?customer_id={customer}",
                self.stack.urls().orders
            ))
            .bearer_auth(self.orders_key())
            .send()
            .await
            .expect("the order processor answers")
            .json()
            .await
            .expect("JSON");
        match answer {
            Value::Array(orders) => orders,
            other => other["orders"].as_array().cloned().unwrap_or_default(),
        }
    }

    /// Sets an order's status through the order processor's API, as a shop
    /// operator or payment integration would.
    pub async fn set_order_status(&self, order_id: &str, status: &str) {
        let response = self
            .http
            .post(format!(
                "{}/api/v1/orders/{order_id}/status",
                self.stack.urls().orders
            ))
            .bearer_auth(self.orders_key())
            .json(&json!({ "status": status }))
            .send()
            .await
            .expect("the order processor answers");
        assert!(
            response.status().is_success(),
            "setting {order_id} {status}: {} {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
    }

    /// Stops every process, then drops the databases and the broker objects.
    pub async fn stop(mut self) {
        let unclean = self.stack.stop().await;
        let names: Vec<String> = ["gateway", "catalog", "orders", "sales", "seller"]
            .iter()
            .map(|s| format!("{}_{s}", self.database_prefix))
            .collect();
        let _ =
            store_stack::databases::drop_all("postgres://postgres@127.0.0.1:5432/postgres", &names)
                .await;
        store_testkit::purge_broker(&self.exchange).await;
        let _ = std::fs::remove_dir_all(&self.dir);
        assert!(
            unclean.is_empty(),
            "services did not stop cleanly: {unclean:?}"
        );
    }
}

/// Events seen on the bus.
pub struct Observer {
    /// The observer's connection.
    pub bus: Bus,
    /// What arrived.
    pub events: mpsc::UnboundedReceiver<Event>,
    stop: CancellationToken,
    _handle: ConsumerHandle,
}

impl Observer {
    /// The next event, if one comes within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Event> {
        tokio::time::timeout(timeout, self.events.recv())
            .await
            .ok()
            .flatten()
    }

    /// Stops observing and closes the connection.
    pub async fn close(self) {
        self.stop.cancel();
        self.bus.close().await;
    }
}

/// The text of each message a fake channel server received whose JSON body
/// matches `wanted`.
async fn sent_texts(server: &MockServer, wanted: impl Fn(&Value) -> bool) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter(|b| wanted(b))
        .map(|b| text_of(&b))
        .collect()
}

/// The human-readable text of a Graph API or Bot API send.
pub fn text_of(body: &Value) -> String {
    let candidates = [
        &body["text"]["body"],                // WhatsApp text
        &body["interactive"]["body"]["text"], // WhatsApp buttons or list
        &body["image"]["caption"],            // WhatsApp picture
        &body["text"],                        // Telegram sendMessage
        &body["caption"],                     // Telegram photo
    ];
    candidates
        .iter()
        .find_map(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Waits until `read` returns at least `n` items (fails after `timeout`).
pub async fn wait_for<T, F, Fut>(what: &str, n: usize, timeout: Duration, read: F) -> Vec<T>
where
    T: std::fmt::Debug,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Vec<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let items = read().await;
        if items.len() >= n {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {timeout:?} for {n} {what}, have {}: {items:#?}",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A Telegram text update from chat `chat_id`, shaped like the shared
/// `telegram/text.json` fixture.
pub fn telegram_text(chat_id: i64, text: &str) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(&fixture("telegram/text.json")).expect("fixture JSON");
    body["update_id"] = json!(rand_id());
    let message = &mut body["message"];
    message["message_id"] = json!(rand_id());
    message["from"]["id"] = json!(chat_id);
    message["chat"]["id"] = json!(chat_id);
    message["date"] = json!(chrono::Utc::now().timestamp());
    message["text"] = json!(text);
    serde_json::to_vec(&body).expect("serialise")
}
