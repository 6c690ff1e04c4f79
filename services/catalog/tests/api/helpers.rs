//! `TestApp`: the catalog started through `Application::build`, a bus client
//! on the same exchange, an HTTP client and typed helpers.

use std::time::Duration;

use catalog::{Application, Config};
use cloudevents::{AttributesReader, Event};
use secrecy::SecretString;
use serde_json::{Value, json};
use store_bus::{Bus, BusConfig, ConsumerConfig, Inbox};
use store_events::{BrandId, EventContext, EventData, TenantId, decode, new_event};
use store_telemetry::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub const ADMIN_TOKEN: &str = "test-admin-token";

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub bus: Bus,
    pub exchange: String,
    watcher_handles: tokio::sync::Mutex<Vec<store_bus::ConsumerHandle>>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// The URL of the database `pool` is connected to.
pub async fn url_of(pool: &sqlx::PgPool) -> String {
    let name: String = sqlx::query_scalar("select current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    let base = store_testkit::database_url();
    let (base, query) = match base.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (base, String::new()),
    };
    let server = base.rsplit_once('/').map(|(s, _)| s.to_owned()).unwrap();
    format!("{server}/{name}{query}")
}

impl TestApp {
    pub async fn spawn() -> Self {
        store_telemetry::init_for_tests();
        let pool = store_testkit::fresh_database().await.unwrap();
        let exchange = store_testkit::unique("catalog-test");
        let bus_config = BusConfig::new("catalog", SecretString::from(store_testkit::amqp_url()))
            .with_exchange(exchange.clone());
        let mut config = Config::for_tests(SecretString::from(url_of(&pool).await), bus_config);
        config.admin_token = Some(SecretString::from(ADMIN_TOKEN));
        config.max_quantity_per_line = 20;
        let app = Application::build(config).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let shutdown = app.shutdown_token();
        let task = tokio::spawn(app.run_until_stopped());
        let client_config = BusConfig::new("tester", SecretString::from(store_testkit::amqp_url()))
            .with_exchange(exchange.clone());
        let bus = Bus::connect(client_config, Metrics::new("tester").unwrap())
            .await
            .unwrap();
        Self {
            address,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            bus,
            exchange,
            watcher_handles: tokio::sync::Mutex::default(),
            shutdown,
            task,
        }
    }

    /// Stops the service and waits for it to finish.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        for handle in self.watcher_handles.lock().await.drain(..) {
            handle.shutdown().await;
        }
        self.bus.close().await;
        // Every queue of a test is named `<exchange>.<name>`.
        store_testkit::purge_broker(&self.exchange).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates a tenant; returns its API key.
    pub async fn tenant(&self, id: &str) -> String {
        let response = self
            .http
            .post(self.url("/admin/tenants"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"id": id, "name": format!("Tenant {id}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["api_key"].as_str().unwrap().to_owned()
    }

    pub async fn brand(&self, key: &str, brand: &str, currency: &str, language: &str) {
        let response = self
            .http
            .put(self.url(&format!("/api/v1/brands/{brand}")))
            .bearer_auth(key)
            .json(&json!({"name": brand, "currency": currency, "language": language}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    /// Creates a product; returns its view.
    pub async fn product(&self, key: &str, brand: &str, product: Value) -> Value {
        let response = self
            .http
            .post(self.url(&format!("/api/v1/brands/{brand}/products")))
            .bearer_auth(key)
            .json(&product)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    /// Sends `data` as a request from `tenant`/`brand` and returns the
    /// reply, checked against its schema.
    pub async fn request<D: EventData>(&self, tenant: &str, brand: &str, data: &D) -> Event {
        let context = EventContext::new(TenantId::parse(tenant).unwrap())
            .with_brand(BrandId::parse(brand).unwrap());
        let event = new_event("/tests", &context, data).unwrap();
        store_events::validation::validate(&event).unwrap();
        let reply = self
            .bus
            .request(event.clone(), Duration::from_secs(10))
            .await
            .unwrap();
        store_events::validation::validate(&reply).unwrap();
        assert_eq!(
            reply.extension("causationid").unwrap().to_string(),
            event.id()
        );
        reply
    }

    /// Like [`request`](Self::request), decoded.
    pub async fn ask<D: EventData, R: EventData>(&self, tenant: &str, brand: &str, data: &D) -> R {
        decode(&self.request(tenant, brand, data).await).unwrap()
    }

    /// Events of types matching `binding` published from now on.
    pub async fn watch(&self, binding: &str) -> mpsc::UnboundedReceiver<Event> {
        let (recorder, rx) = Inbox::channel();
        let queue = format!("{}.watch.{}", self.exchange, uuid::Uuid::new_v4().simple());
        let handle = self
            .bus
            .consume(
                ConsumerConfig::new(queue, [binding]),
                recorder,
                CancellationToken::new(),
            )
            .await
            .unwrap();
        self.watcher_handles.lock().await.push(handle);
        rx
    }
}

/// The next event, or a failed test after 10 s.
pub async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("no event within 10 s")
        .expect("watcher closed")
}

/// A product body with sensible defaults laid under `overrides`.
pub fn product_json(
    sku: &str,
    name: &str,
    price_minor: i64,
    stock: u32,
    overrides: Value,
) -> Value {
    let mut body = json!({"sku": sku, "name": name, "price_minor": price_minor, "stock": stock});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), overrides.as_object()) {
        if extra.contains_key("variants") {
            body.remove("stock");
        }
        for (k, v) in extra {
            body.insert(k.clone(), v.clone());
        }
    }
    body
}
