//! `TestApp`: the catalog and the order processor started through their
//! `Application::build`, a bus client on their exchange, an HTTP client and
//! typed helpers.

use std::time::Duration;

use cloudevents::{AttributesReader, Event};
use order_processor::{Application, Config};
use secrecy::SecretString;
use serde_json::{Value, json};
use store_bus::{Bus, BusConfig, ConsumerConfig, Inbox};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{Channel, Customer, OrderCreate, OrderItem},
    new_event,
};
use store_telemetry::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub const ADMIN_TOKEN: &str = "test-admin-token";

struct Running {
    address: String,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

pub struct TestApp {
    orders: Running,
    catalog: Running,
    pub http: reqwest::Client,
    pub bus: Bus,
    pub exchange: String,
    pub pool: sqlx::PgPool,
    watcher_handles: tokio::sync::Mutex<Vec<store_bus::ConsumerHandle>>,
}

/// The URL of the database `pool` is connected to.
async fn url_of(pool: &sqlx::PgPool) -> String {
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

fn bus_config(service: &str, exchange: &str) -> BusConfig {
    BusConfig::new(service, SecretString::from(store_testkit::amqp_url())).with_exchange(exchange)
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts both services; `adjust` may change the order processor's
    /// configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        store_telemetry::init_for_tests();
        let exchange = store_testkit::unique("orders-test");
        let catalog_db = store_testkit::fresh_database().await.unwrap();
        let mut catalog_config = catalog::Config::for_tests(
            SecretString::from(url_of(&catalog_db).await),
            bus_config("catalog", &exchange),
        );
        catalog_config.admin_token = Some(SecretString::from(ADMIN_TOKEN));
        catalog_config.max_quantity_per_line = 20;
        let catalog_app = catalog::Application::build(catalog_config).await.unwrap();
        let catalog = Running {
            address: format!("http://127.0.0.1:{}", catalog_app.port()),
            shutdown: catalog_app.shutdown_token(),
            task: tokio::spawn(catalog_app.run_until_stopped()),
        };
        let pool = store_testkit::fresh_database().await.unwrap();
        let mut config = Config::for_tests(
            SecretString::from(url_of(&pool).await),
            bus_config("order-processor", &exchange),
        );
        config.admin_token = Some(SecretString::from(ADMIN_TOKEN));
        adjust(&mut config);
        let app = Application::build(config).await.unwrap();
        let orders = Running {
            address: format!("http://127.0.0.1:{}", app.port()),
            shutdown: app.shutdown_token(),
            task: tokio::spawn(app.run_until_stopped()),
        };
        let bus = Bus::connect(
            bus_config("tester", &exchange),
            Metrics::new("tester").unwrap(),
        )
        .await
        .unwrap();
        Self {
            orders,
            catalog,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            bus,
            exchange,
            pool,
            watcher_handles: tokio::sync::Mutex::default(),
        }
    }

    pub async fn stop(self) {
        self.orders.stop().await;
        self.catalog.stop().await;
        for handle in self.watcher_handles.lock().await.drain(..) {
            handle.shutdown().await;
        }
        self.bus.close().await;
        // Every queue of a test is named `<exchange>.<name>`.
        store_testkit::purge_broker(&self.exchange).await;
    }

    pub fn orders_url(&self, path: &str) -> String {
        format!("{}{path}", self.orders.address)
    }

    pub fn catalog_url(&self, path: &str) -> String {
        format!("{}{path}", self.catalog.address)
    }

    async fn admin(&self, base: &str, tenant: &str) -> String {
        let response = self
            .http
            .post(format!("{base}/admin/tenants"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"id": tenant, "name": tenant}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["api_key"].as_str().unwrap().to_owned()
    }

    /// Creates `tenant` in both services with a brand `shop` in EUR;
    /// returns (catalog key, orders key).
    pub async fn tenant(&self, tenant: &str) -> (String, String) {
        let catalog_key = self.admin(&self.catalog.address, tenant).await;
        let orders_key = self.admin(&self.orders.address, tenant).await;
        let response = self
            .http
            .put(self.catalog_url("/api/v1/brands/shop"))
            .bearer_auth(&catalog_key)
            .json(&json!({"name": "Shop", "currency": "EUR", "language": "en"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        (catalog_key, orders_key)
    }

    /// Creates a product in brand `shop`; returns its id.
    pub async fn product(
        &self,
        catalog_key: &str,
        sku: &str,
        price_minor: i64,
        stock: u32,
    ) -> String {
        let response = self
            .http
            .post(self.catalog_url("/api/v1/brands/shop/products"))
            .bearer_auth(catalog_key)
            .json(&json!({"sku": sku, "name": format!("Product {sku}"), "price_minor": price_minor, "stock": stock}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// The stock of a product without variants, from the catalog.
    pub async fn stock(&self, catalog_key: &str, product_id: &str) -> i64 {
        let body: Value = self
            .http
            .get(self.catalog_url(&format!("/api/v1/products/{product_id}")))
            .bearer_auth(catalog_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["variants"][0]["stock"].as_i64().unwrap()
    }

    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.orders_url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.orders_url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap()
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

    /// Sends a create request and waits for the answer (checked against its
    /// schema).
    pub async fn order(&self, event: Event) -> Event {
        let reply = self
            .bus
            .request(event, Duration::from_secs(30))
            .await
            .unwrap();
        store_events::validation::validate(&reply).unwrap();
        reply
    }
}

/// A `store.order.create` event of `tenant`/`shop`, from a WhatsApp
/// conversation.
pub fn create_event(tenant: &str, items: &[(&str, u32)]) -> Event {
    let data = OrderCreate {
        customer: Customer::new("5511999990000"),
        items: items
            .iter()
            .map(|(product_id, quantity)| OrderItem {
                product_id: (*product_id).to_owned(),
                variant_id: None,
                quantity: *quantity,
            })
            .collect(),
        delivery: None,
        payment_method: None,
        note: None,
        channel: Some(Channel::Whatsapp),
    };
    let context = EventContext::new(TenantId::parse(tenant).unwrap())
        .with_brand(BrandId::parse("shop").unwrap())
        .with_conversation(ConversationId::parse("whatsapp:100:5511999990000").unwrap());
    let event = new_event("/tests", &context, &data).unwrap();
    store_events::validation::validate(&event).unwrap();
    event
}

/// The next event, or a failed test after 15 s.
pub async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    let event = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("no event within 15 s")
        .expect("watcher closed");
    store_events::validation::validate(&event).unwrap();
    event
}

/// The event's type, for assertions.
pub fn ty(event: &Event) -> &str {
    event.ty()
}
