//! The black-box test harness: the real gateway as `main` builds it, started
//! by `store_testkit::TestApp` (port 0, a fresh database, a unique exchange
//! on the real broker), fake Graph API and Bot API servers, and a queue bound
//! to every event on the exchange.
#![allow(dead_code, clippy::unwrap_used)]

pub use store_testkit::proxy;
pub mod webchat;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use gateway::{
    Application, Config,
    config::{SERVICE, base_url},
    domain::signature::whatsapp_signature,
};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;
use sqlx::PgPool;
use store_bus::{Bus, ConsumerConfig, ConsumerHandle, Handler, HandlerError, Incoming};
use store_events::{AttributesReader, Event, validation::SchemaViolation};
use store_testkit::TestEnv;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wiremock::MockServer;

/// App secret of the test tenant `shop`'s WhatsApp numbers.
pub const APP_SECRET: &str = "shop-app-secret";
/// Verify token of the test tenant `shop`.
pub const VERIFY_TOKEN: &str = "shop-verify-token";
/// Graph API access token of the test tenant `shop`.
pub const ACCESS_TOKEN: &str = "shop-access-token";
/// The fixtures' phone number id: routed to brand `fashion`.
pub const SINGLE_NUMBER: &str = "1122334455667";
/// A number with the brand menu (fashion, tech) and a template fallback.
pub const MENU_NUMBER: &str = "100000000000009";
/// Secret token and Bot API token of the `shop` bot routed to `fashion`.
pub const TG_SECRET: &str = "shop-telegram-secret";
/// Bot API token of that bot.
pub const TG_TOKEN: &str = "7000000001:shop-bot-token";
/// Secret token of the `shop` bot with the brand menu.
pub const TG_MENU_SECRET: &str = "shop-telegram-menu-secret";
/// Bot API token of that bot.
pub const TG_MENU_TOKEN: &str = "7000000003:shop-menu-bot-token";

/// The origin tenant `shop` allows to call its web chat API.
pub const ALLOWED_ORIGIN: &str = "https://shop.example.com";

/// Three tenants: `shop` (fashion, tech; one number per routing kind, two
/// bots, web chat for both brands), `other`, whose secrets differ (web chat
/// for `bread`), and `nochat`, with no channel at all.
/// A WhatsApp webhook to `number` carrying `message` (its `from`, `id` and
/// `timestamp` filled in) from the shopper Ana, 34600111222.
pub fn whatsapp_webhook(number: &str, id: &str, message: serde_json::Value) -> Vec<u8> {
    let mut message = message;
    message["from"] = serde_json::json!("34600111222");
    message["id"] = serde_json::json!(id);
    message["timestamp"] = serde_json::json!("1700000000");
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "34900000000", "phone_number_id": number },
            "contacts": [{ "profile": { "name": "Ana" }, "wa_id": "34600111222" }],
            "messages": [message],
        } }] }]
    }))
    .unwrap()
}

pub fn tenants_yaml() -> String {
    format!(
        r#"
tenants:
  - id: shop
    name: Test Shop
    brands:
      - {{ id: fashion, name: Fashion, description: Clothes }}
      - {{ id: tech, name: Tech }}
    whatsapp:
      - phone_number_id: "{SINGLE_NUMBER}"
        verify_token: {{ value: {VERIFY_TOKEN} }}
        app_secret: {{ value: {APP_SECRET} }}
        access_token: {{ value: {ACCESS_TOKEN} }}
        brand: fashion
      - phone_number_id: "{MENU_NUMBER}"
        verify_token: {{ value: {VERIFY_TOKEN} }}
        app_secret: {{ value: {APP_SECRET} }}
        access_token: {{ value: {ACCESS_TOKEN} }}
        menu: [fashion, tech]
        template_fallback: {{ name: reengage, language: en_US }}
    telegram:
      - bot_token: {{ value: "{TG_TOKEN}" }}
        secret_token: {{ value: {TG_SECRET} }}
        brand: fashion
      - bot_token: {{ value: "{TG_MENU_TOKEN}" }}
        secret_token: {{ value: {TG_MENU_SECRET} }}
        menu: [fashion, tech]
    webchat:
      brands: [fashion, tech]
      allowed_origins: ["{ALLOWED_ORIGIN}"]
  - id: other
    name: Other Shop
    brands: [{{ id: bread, name: Bread }}]
    whatsapp:
      - phone_number_id: "200000000000001"
        verify_token: {{ value: other-verify-token }}
        app_secret: {{ value: other-app-secret }}
        access_token: {{ value: other-access-token }}
        brand: bread
    webchat:
      brands: [bread]
  - id: nochat
    name: No Chat Shop
    brands: [{{ id: tea, name: Tea }}]
"#
    )
}

/// Passes every delivery to the test, with its routing key.
struct Collector(mpsc::UnboundedSender<Incoming>);

#[async_trait::async_trait]
impl Handler for Collector {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let _ = self.0.send(incoming.clone());
        Ok(())
    }
}

/// How to start a [`TestApp`].
#[derive(Default)]
pub struct Options {
    /// Broker URL for the gateway (default: the test broker).
    pub amqp_url: Option<String>,
    /// What the test's queue is bound to (default: `#`, every event).
    pub bindings: Option<Vec<String>>,
    /// The gateway reaches PostgreSQL through `127.0.0.1:<port>` (a
    /// [`proxy::Proxy`] the test can cut); the test's own pool stays direct.
    pub postgres_port: Option<u16>,
    /// Changes the gateway's configuration last (e.g. low web chat limits).
    pub configure: Option<fn(&mut Config)>,
}

/// A running gateway (a [`store_testkit::TestApp`]) and what a test needs
/// around it: fake Graph API and Bot API servers and a queue of the test's
/// own on the gateway's exchange.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// `http://127.0.0.1:<operator port>`: `/metrics`.
    pub operator: String,
    /// HTTP client.
    pub http: reqwest::Client,
    /// The gateway's database.
    pub pool: PgPool,
    /// A bus on the gateway's exchange, for the test to publish.
    pub bus: Bus,
    /// Fake Graph API.
    pub whatsapp_api: MockServer,
    /// Fake Bot API.
    pub telegram_api: MockServer,
    /// The gateway's configuration, for replicas.
    config: Config,
    events: mpsc::UnboundedReceiver<Incoming>,
    watcher: ConsumerHandle,
    app: store_testkit::TestApp,
    dedup: gateway::db::dedup::Recorder,
    /// Events received while waiting for another type.
    aside: std::collections::VecDeque<(Event, String)>,
}

impl TestApp {
    /// What deletes the gateway's rows older than the retention.
    pub fn housekeeper(&self) -> &store_service::retention::Housekeeper {
        &self.app.housekeeper
    }

    /// Starts the gateway with the test tenants.
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    /// Starts the gateway with `options`.
    pub async fn spawn_with(options: Options) -> Self {
        let whatsapp_api = MockServer::start().await;
        let telegram_api = MockServer::start().await;
        let tenants_file =
            std::env::temp_dir().join(format!("{}.tenants.yaml", store_testkit::unique("gw")));
        std::fs::write(&tenants_file, tenants_yaml()).unwrap();
        let whatsapp_api_base = base_url(&format!("{}/v21.0", whatsapp_api.uri())).unwrap();
        let telegram_api_base = base_url(&telegram_api.uri()).unwrap();
        let built = Arc::new(Mutex::new(None));
        let slot = built.clone();
        let recorder = Arc::new(Mutex::new(None));
        let recorder_slot = recorder.clone();
        let app = store_testkit::TestApp::spawn(SERVICE, |env: TestEnv| async move {
            let mut bus = env.bus;
            if let Some(url) = options.amqp_url {
                bus.url = SecretString::from(url);
            }
            bus.confirm_timeout = Duration::from_secs(5);
            let database_url = match options.postgres_port {
                Some(port) => {
                    SecretString::from(proxy::via(env.database_url.expose_secret(), port))
                }
                None => env.database_url,
            };
            let mut config = Config::for_tests(database_url, bus, tenants_file);
            config.whatsapp_api_base = whatsapp_api_base;
            config.telegram_api_base = telegram_api_base;
            config.max_body_bytes = 64 * 1024;
            config.send.attempts = 3;
            config.send.initial_backoff = Duration::from_millis(50);
            config.send.bus_retry_delays = vec![Duration::from_millis(300)];
            if let Some(configure) = options.configure {
                configure(&mut config);
            }
            *slot.lock().unwrap() = Some(config.clone());
            let app = Application::build(config).await?;
            *recorder_slot.lock().unwrap() = Some(app.dedup_recorder());
            Ok(app)
        })
        .await
        .unwrap();
        let config = built.lock().unwrap().take().unwrap();
        let dedup = recorder.lock().unwrap().take().unwrap();

        // The test's own queue on the gateway's exchange, one delivery at a
        // time, so the test sees the events in publish order (with their
        // routing keys).
        let (tx, events) = mpsc::unbounded_channel();
        let watcher = app
            .bus
            .consume(
                ConsumerConfig::new(
                    format!("{}.all", app.exchange),
                    options.bindings.unwrap_or_else(|| vec!["#".to_owned()]),
                )
                .with_prefetch(1)
                .with_retry_delays([]),
                Collector(tx),
                app.shutdown_token().child_token(),
            )
            .await
            .unwrap();
        Self {
            address: app.address.clone(),
            operator: app.operator.clone(),
            http: app.http.clone(),
            pool: app.pool.clone(),
            bus: app.bus.clone(),
            whatsapp_api,
            telegram_api,
            config,
            events,
            watcher,
            app,
            dedup,
            aside: Default::default(),
        }
    }

    /// Posts a WhatsApp webhook body signed with `secret`.
    pub async fn post_whatsapp_signed(
        &self,
        tenant: &str,
        body: &[u8],
        secret: &str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/webhooks/whatsapp/{tenant}", self.address))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", whatsapp_signature(secret, body))
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// Posts a WhatsApp webhook body to tenant `shop`, correctly signed.
    pub async fn post_whatsapp(&self, body: &[u8]) -> reqwest::Response {
        self.post_whatsapp_signed("shop", body, APP_SECRET).await
    }

    /// Posts a Telegram update to tenant `shop` with `secret`.
    pub async fn post_telegram(&self, body: &[u8], secret: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/webhooks/telegram/shop", self.address))
            .header("content-type", "application/json")
            .header("x-telegram-bot-api-secret-token", secret)
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// The next event on the exchange (or put aside by [`Self::next_of`]),
    /// checked against its JSON Schema.
    pub async fn next_event(&mut self) -> (Event, String) {
        if let Some(aside) = self.aside.pop_front() {
            return aside;
        }
        self.receive(Duration::from_secs(15))
            .await
            .expect("timed out waiting for an event")
    }

    async fn receive(&mut self, within: Duration) -> Option<(Event, String)> {
        let incoming = tokio::time::timeout(within, self.events.recv())
            .await
            .ok()?
            .expect("event stream closed");
        match store_events::validation::validate(&incoming.event) {
            Ok(()) => {}
            // A type of the event catalog whose schema proto-events does
            // not have yet (store.chat.delivery's comes on another branch):
            // checked by the tests' own assertions until it lands, then
            // against it, with nothing to change here.
            Err(SchemaViolation::UnknownType { ty })
                if store_events::catalog::ALL.iter().any(|t| t.ty == ty) => {}
            Err(violation) => panic!(
                "{} does not match its schema: {violation:?}",
                incoming.event.ty()
            ),
        }
        Some((incoming.event, incoming.routing_key))
    }

    /// The next event (or one put aside), if one arrives within `within`.
    pub async fn try_next_event(&mut self, within: Duration) -> Option<(Event, String)> {
        match self.aside.pop_front() {
            Some(aside) => Some(aside),
            None => self.receive(within).await,
        }
    }

    /// Fails if an event arrives within `within` (or one was put aside).
    pub async fn expect_no_event(&mut self, within: Duration) {
        if let Some((event, _)) = self.aside.front() {
            panic!("unexpected event {event}");
        }
        if let Ok(Some(incoming)) = tokio::time::timeout(within, self.events.recv()).await {
            panic!("unexpected event {}", incoming.event);
        }
    }

    /// The next event of type `ty`, with its data. The events of one
    /// message are published in parallel, so their order on the bus is not
    /// fixed: events of other types that come first are put aside for the
    /// next call.
    pub async fn next_of(&mut self, ty: &str) -> (Event, Value, String) {
        let position = self.aside.iter().position(|(e, _)| e.ty() == ty);
        let (event, key) = match position.and_then(|i| self.aside.remove(i)) {
            Some(found) => found,
            None => loop {
                let (event, key) = self
                    .receive(Duration::from_secs(15))
                    .await
                    .unwrap_or_else(|| panic!("timed out waiting for a {ty}"));
                if event.ty() == ty {
                    break (event, key);
                }
                self.aside.push_back((event, key));
            },
        };
        let data = serde_json::to_value(&event).unwrap()["data"].clone();
        assert!(data.is_object(), "event without JSON data: {event}");
        (event, data, key)
    }

    /// Forgets the deduplication rows (fixtures share message ids).
    pub async fn forget_seen_messages(&self) {
        self.recorded().await;
        sqlx::query("delete from inbound_message")
            .execute(&self.pool)
            .await
            .unwrap();
    }

    /// Waits until the ids of the messages ingested so far are in the
    /// deduplication ledger (written in batches after the answer).
    pub async fn recorded(&self) {
        self.dedup.flush().await;
    }

    /// A second gateway, as another replica of this one: same database,
    /// exchange and queues (so not a fresh [`store_testkit::TestApp`]). Its
    /// consumer stands by while this one's is active (single active
    /// consumer).
    pub async fn spawn_replica(&self) -> Replica {
        let app = Application::build(self.config.clone()).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let operator = format!("http://127.0.0.1:{}", app.operator_port());
        let shutdown = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        Replica {
            address,
            operator,
            shutdown,
            server,
        }
    }

    /// Stops the gateway, waits for it and removes the test's queues and
    /// exchange.
    pub async fn stop(self) {
        self.app.shutdown_token().cancel();
        self.watcher.stopped().await;
        self.app.stop().await.unwrap();
    }
}

/// Another replica of a [`TestApp`]'s gateway.
pub struct Replica {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// `http://127.0.0.1:<operator port>`: `/metrics`.
    pub operator: String,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Replica {
    /// Stops the replica and waits for it.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(60), self.server)
            .await
            .expect("the replica did not stop")
            .unwrap()
            .unwrap();
    }
}

pub use store_testkit::fixture;

/// Waits until `server` has received at least `n` requests (fails after 15 s).
pub async fn wait_for_requests(server: &MockServer, n: usize) -> Vec<wiremock::Request> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let received = server.received_requests().await.unwrap_or_default();
        if received.len() >= n {
            return received;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {n} requests, got {}",
            received.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
