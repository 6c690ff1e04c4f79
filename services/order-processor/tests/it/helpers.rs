//! `TestApp`: the order processor started by [`store_testkit::TestApp`]
//! (as `main` starts it: port 0, a fresh database, a private exchange on the
//! real broker) beside the real catalog, a process of its built binary on
//! the same exchange ([`Catalog`]), with typed helpers.

use std::{ops::Deref, time::Duration};

use cloudevents::{AttributesReader, Event};
use order_processor::{Application, Config};
use secrecy::SecretString;
use serde_json::{Value, json};
use store_events::{
    BrandId, ConversationId, EventContext, EventData as _, TenantId,
    data::{Channel, Customer, OrderCreate, OrderCreated, OrderItem},
    decode, new_event,
};
use store_testkit::{
    TestEnv,
    tenants::{ADMIN_TOKEN, create_tenant},
};
use tokio::sync::mpsc;

use crate::catalog::Catalog;

/// The order processor and the catalog it reserves through.
pub struct TestApp {
    app: store_testkit::TestApp,
    catalog: Catalog,
}

/// The order processor's `address`, `http`, `pool`, `bus`, `exchange`.
impl Deref for TestApp {
    type Target = store_testkit::TestApp;

    fn deref(&self) -> &Self::Target {
        &self.app
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts both services; `adjust` may change the order processor's
    /// configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let app = store_testkit::TestApp::spawn("order-processor", |env: TestEnv| async move {
            let mut config = Config::for_tests(env.database_url, env.bus);
            config.admin_token = Some(SecretString::from(ADMIN_TOKEN));
            adjust(&mut config);
            Application::build(config).await
        })
        .await
        .unwrap();
        let catalog = Catalog::start(&app.exchange, ADMIN_TOKEN).await.unwrap();
        Self { app, catalog }
    }

    /// Stops the catalog, then the order processor; both must stop cleanly.
    pub async fn stop(self) {
        self.catalog.stop().await.unwrap();
        self.app.stop().await.unwrap();
    }

    pub fn orders_url(&self, path: &str) -> String {
        self.app.url(path)
    }

    /// `path` on the order processor's operator port (`/metrics`).
    pub fn orders_operator_url(&self, path: &str) -> String {
        self.app.operator_url(path)
    }

    /// The sum of the order processor's metric `name` over the series with
    /// every `labels` pair.
    pub async fn orders_metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.app.metric(name, labels).await
    }

    pub fn catalog_url(&self, path: &str) -> String {
        self.catalog.url(path)
    }

    /// Creates `tenant` in both services with a brand `shop` in EUR;
    /// returns (catalog key, orders key).
    pub async fn tenant(&self, tenant: &str) -> (String, String) {
        let catalog_key = create_tenant(&self.http, &self.catalog.operator, tenant, tenant)
            .await
            .unwrap();
        let orders_key = self.create_tenant(tenant, tenant).await.unwrap();
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
        self.app.watch([binding]).await.unwrap()
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

/// Places an order of `quantity` of `product` for `tenant`/`shop` (it must
/// be created).
pub async fn place(app: &TestApp, tenant: &str, product: &str, quantity: u32) -> OrderCreated {
    let reply = app
        .order(create_event(tenant, &[(product, quantity)]))
        .await;
    assert_eq!(ty(&reply), OrderCreated::TYPE);
    decode(&reply).unwrap()
}

/// The order processor's answer for order `order_id`, read with `key`.
pub async fn order_detail(app: &TestApp, key: &str, order_id: &str) -> Value {
    app.get(key, &format!("/api/v1/orders/{order_id}"))
        .await
        .json()
        .await
        .unwrap()
}

/// How many changes to `paid` the outbox holds.
pub async fn paid_changes(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from outbox where event ->> 'type' = $1 and event -> 'data' ->> 'to' = 'paid'",
    )
    .bind(store_events::data::OrderStatusChanged::TYPE)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Waits until the catalog reports `expected` units of `product`.
pub async fn wait_for_stock(app: &TestApp, key: &str, product: &str, expected: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let stock = app.stock(key, product).await;
        if stock == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "stock stayed at {stock}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
