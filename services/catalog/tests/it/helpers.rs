//! `TestApp`: the catalog started by [`store_testkit::TestApp`] (as `main`
//! starts it: port 0, a fresh database, a private exchange on the real
//! broker), with typed helpers.

use std::{ops::Deref, time::Duration};

use catalog::{Application, Config};
use cloudevents::{AttributesReader, Event};
use secrecy::SecretString;
use serde_json::{Value, json};
use store_events::{BrandId, EventContext, EventData, TenantId, decode, new_event};
use store_testkit::{TestEnv, tenants::ADMIN_TOKEN};
use tokio::sync::mpsc;

pub struct TestApp(store_testkit::TestApp);

/// The catalog's `address`, `http`, `pool`, `bus`, `exchange`, `url()`.
impl Deref for TestApp {
    type Target = store_testkit::TestApp;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        let app = store_testkit::TestApp::spawn("catalog", |env: TestEnv| async move {
            let mut config = Config::for_tests(env.database_url, env.bus);
            config.admin_token = Some(SecretString::from(ADMIN_TOKEN));
            config.max_quantity_per_line = 20;
            Application::build(config).await
        })
        .await
        .unwrap();
        Self(app)
    }

    /// Stops the service; it must drain and stop cleanly.
    pub async fn stop(self) {
        self.0.stop().await.unwrap();
    }

    /// Creates a tenant; returns its API key.
    pub async fn tenant(&self, id: &str) -> String {
        self.create_tenant(id, &format!("Tenant {id}"))
            .await
            .unwrap()
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
        self.0.watch([binding]).await.unwrap()
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
