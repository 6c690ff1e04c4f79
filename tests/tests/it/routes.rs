//! Every HTTP route of every service, listed, and each one tried without
//! its key and with another tenant's: nothing but a refusal comes back.
//!
//! [`ROUTES`] is the list; [`the_list_is_every_route_the_services_declare`]
//! reads the routers' sources (every `.route(…)` of each service crate, the
//! ops routes every service gets from `store-telemetry`, and `/admin/tenants`
//! where a service merges `admin_router()`) so a route added without a line
//! here fails the test. Operator routes are tried on the operator's port
//! (`<service>-operator`), and the sweep checks that `/metrics` and
//! `/admin/*` are served there and not on the public port. The sweep runs against the whole store started as
//! processes (two tenants, `demo` the victim and `bakery` the intruder,
//! each with its own keys, secrets, inbox owner and web chat session), and
//! also checks that every method a path does not list answers 405.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    time::Duration,
};

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use store_tests::store::{BRAND, Store, TENANT, wait_for};

/// The tenant whose resources are tried.
const VICTIM: &str = TENANT;
/// The tenant whose keys are presented.
const INTRUDER: &str = "bakery";

/// How a route tells who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// A tenant's API key of that service (`Authorization: Bearer`).
    ApiKey,
    /// The platform operator's `ADMIN_TOKEN`.
    Operator,
    /// A signed-in inbox session (cookie, and the CSRF field on a POST).
    Inbox,
    /// Meta's `X-Hub-Signature-256` with the number's app secret.
    WhatsappSignature,
    /// Meta's subscription check with the number's verify token.
    WhatsappVerify,
    /// Telegram's `X-Telegram-Bot-Api-Secret-Token`.
    TelegramSecret,
    /// Stripe's `Stripe-Signature` (the platform's webhook secret).
    StripeSignature,
    /// A web chat session's token.
    Webchat,
    /// Open by design; the reason is given.
    Public(&'static str),
}

use Access::*;

/// One route: service, method, path (as the router declares it), access.
pub(crate) type Route = (&'static str, &'static str, &'static str, Access);

const SHOPPER_FACING: &str = "the web chat page and widget a shopper's browser loads";
const PICTURES: &str = "product pictures sent to shoppers in chats (public by URL)";
const SIGN_IN: &str = "signing in needs no session";
const ASSETS: &str = "the inbox's static files";
const API_DOC: &str = "the OpenAPI document of the service's API";

/// Every route of every service.
#[rustfmt::skip]
pub(crate) const ROUTES: &[Route] = &[
    // The gateway.
    ("gateway", "GET", "/openapi.json", Public(API_DOC)),
    ("gateway", "GET", "/webhooks/whatsapp/{tenant}", WhatsappVerify),
    ("gateway", "POST", "/webhooks/whatsapp/{tenant}", WhatsappSignature),
    ("gateway", "POST", "/webhooks/telegram/{tenant}", TelegramSecret),
    ("gateway", "GET", "/chat/{tenant}", Public(SHOPPER_FACING)),
    ("gateway", "GET", "/chat/{tenant}/widget.js", Public(SHOPPER_FACING)),
    ("gateway", "GET", "/chat/{tenant}/chat.js", Public(SHOPPER_FACING)),
    ("gateway", "GET", "/chat/{tenant}/chat.css", Public(SHOPPER_FACING)),
    ("gateway", "GET", "/chat/{tenant}/brands", Public("the brands a shopper picks from in the widget")),
    ("gateway", "POST", "/chat/{tenant}/sessions", Public("an anonymous shopper starts a chat (limited per address)")),
    ("gateway", "GET", "/chat/{tenant}/sessions/{session}", Webchat),
    ("gateway", "POST", "/chat/{tenant}/sessions/{session}/messages", Webchat),
    ("gateway", "GET", "/chat/{tenant}/sessions/{session}/events", Webchat),
    // The catalog.
    ("catalog", "GET", "/openapi.json", Public(API_DOC)),
    ("catalog-operator", "POST", "/admin/tenants", Operator),
    ("catalog", "GET", "/api/v1/brands/{brand}", ApiKey),
    ("catalog", "PUT", "/api/v1/brands/{brand}", ApiKey),
    ("catalog", "GET", "/api/v1/brands/{brand}/products", ApiKey),
    ("catalog", "POST", "/api/v1/brands/{brand}/products", ApiKey),
    ("catalog", "POST", "/api/v1/brands/{brand}/products/import", ApiKey),
    ("catalog", "POST", "/api/v1/brands/{brand}/stock/adjustments", ApiKey),
    ("catalog", "GET", "/api/v1/products/{id}", ApiKey),
    ("catalog", "PUT", "/api/v1/products/{id}", ApiKey),
    ("catalog", "DELETE", "/api/v1/products/{id}", ApiKey),
    ("catalog", "POST", "/api/v1/products/{id}/activate", ApiKey),
    ("catalog", "GET", "/images/{tenant}/{file}", Public(PICTURES)),
    // The order processor.
    ("orders", "GET", "/openapi.json", Public(API_DOC)),
    ("orders-operator", "POST", "/admin/tenants", Operator),
    ("orders", "GET", "/api/v1/orders", ApiKey),
    ("orders", "GET", "/api/v1/orders/{id}", ApiKey),
    ("orders", "POST", "/api/v1/orders/{id}/status", ApiKey),
    ("orders", "GET", "/api/v1/orders/by-number/{number}", ApiKey),
    ("orders", "POST", "/api/v1/orders/by-number/{number}/cancel", ApiKey),
    ("orders", "GET", "/api/v1/customers/{customer_id}/orders", ApiKey),
    ("orders", "POST", "/webhooks/payments/{provider}", StripeSignature),
    // The sales assistant: its API, its pages, its operator port.
    ("sales", "GET", "/openapi.json", Public(API_DOC)),
    ("sales-operator", "POST", "/admin/tenants", Operator),
    ("sales", "GET", "/api/v1/handoffs", ApiKey),
    ("sales", "GET", "/api/v1/handoffs/{id}", ApiKey),
    ("sales", "POST", "/api/v1/handoffs/{id}/reply", ApiKey),
    ("sales", "POST", "/api/v1/handoffs/{id}/resolve", ApiKey),
    ("sales", "GET", "/inbox/sign-in", Public(SIGN_IN)),
    ("sales", "POST", "/inbox/sign-in", Public(SIGN_IN)),
    ("sales", "POST", "/inbox/sign-out", Inbox),
    ("sales", "GET", "/inbox/assets/{file}", Public(ASSETS)),
    ("sales", "GET", "/inbox/invitations/{token}", Public("the invitation's own unguessable token is the key")),
    ("sales", "POST", "/inbox/invitations/{token}", Public("the invitation's own unguessable token is the key")),
    ("sales", "GET", "/inbox", Inbox),
    ("sales", "GET", "/inbox/events", Inbox),
    ("sales", "GET", "/inbox/team", Inbox),
    ("sales", "POST", "/inbox/team/invitations", Inbox),
    ("sales", "POST", "/inbox/team/{account}/disable", Inbox),
    ("sales", "GET", "/inbox/reports", Inbox),
    ("sales", "GET", "/inbox/reports.csv", Inbox),
    ("sales", "GET", "/inbox/settings/notifications", Inbox),
    ("sales", "POST", "/inbox/settings/notifications", Inbox),
    ("sales", "POST", "/inbox/settings/notifications/telegram", Inbox),
    ("sales", "GET", "/inbox/conversations/{conversation}", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/claim", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/take-over", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/release", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/transfer", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/hand-back", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/reply", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/draft", Inbox),
    ("sales", "GET", "/inbox/conversations/{conversation}/products", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/send-product", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/orders", Inbox),
    ("sales", "POST", "/inbox/conversations/{conversation}/orders/{number}/cancel", Inbox),
    ("sales-operator", "POST", "/admin/tenants/{tenant}/owners", Operator),
];

/// The ops routes every service gets from the skeleton (`store-telemetry`).
pub(crate) const OPS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The crate each service of [`ROUTES`] is built from.
fn crate_of(service: &str) -> &'static str {
    match service {
        "gateway" => "services/gateway",
        "catalog" | "catalog-operator" => "services/catalog",
        "orders" | "orders-operator" => "services/order-processor",
        "sales" | "sales-operator" => "services/sales-assistant",
        "seller" => "services/seller-agent",
        other => panic!("unknown service {other}"),
    }
}

#[test]
fn the_list_is_every_route_the_services_declare() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut listed: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (service, _, path, _) in ROUTES {
        listed
            .entry(crate_of(service))
            .or_default()
            .insert((*path).to_owned());
    }
    let ops: BTreeSet<String> = declared_paths(&root.join("shared/telemetry/src"))
        .into_iter()
        .filter(|p| OPS.contains(&p.as_str()))
        .collect();
    assert_eq!(ops.len(), OPS.len(), "the ops routes moved: {ops:?}");
    for krate in [
        "services/gateway",
        "services/catalog",
        "services/order-processor",
        "services/sales-assistant",
        "services/seller-agent",
    ] {
        let src = root.join(krate).join("src");
        let mut declared = declared_paths(&src);
        if merges_admin_router(&src) {
            declared.insert("/admin/tenants".to_owned());
        }
        let listed = listed.remove(krate).unwrap_or_default();
        let missing: Vec<_> = declared.difference(&listed).collect();
        let stale: Vec<_> = listed.difference(&declared).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "{krate}: routes missing from ROUTES: {missing:?}; listed but not declared: {stale:?}"
        );
    }
}

#[tokio::test]
async fn every_route_refuses_a_missing_key_and_another_tenants_key() {
    let store = Store::start().await;
    let world = World::new(&store).await;
    let before = world.victim_product().await;
    let mut failures = Vec::new();
    let mut tried = 0;
    for &(service, method, path, access) in ROUTES {
        if let Public(reason) = access {
            assert!(!reason.is_empty());
            continue;
        }
        let url = format!("{}{}", world.base(service), world.fill(path));
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        for who in [Who::Nobody, Who::Intruder] {
            tried += 1;
            let response = world.send(method.clone(), &url, access, who).await;
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body = response.text().await.unwrap_or_default();
            // Without a key: refused. With the intruder's key: refused, or
            // answered about the intruder's own tenant (a list of its own
            // orders, its own brand of that name, a SKU it does not have),
            // never with the victim's things, never a server error; that
            // nothing of the victim's changed is checked after the sweep.
            let leaked = world.leaks(&body);
            let ok = match who {
                Who::Nobody => refused(status, &location),
                Who::Intruder => {
                    refused(status, &location) || status.is_success() || status.is_client_error()
                }
            };
            if !ok || leaked.is_some() {
                failures.push(format!(
                    "{method} {path} as {who:?}: {status} {location} {leaked:?} {}",
                    body.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    // Nothing of the victim's changed.
    assert_eq!(
        world.victim_product().await,
        before,
        "the victim's product changed"
    );
    let handoff = store
        .sales_get(&format!("/api/v1/handoffs/{}", world.handoff_id))
        .await;
    assert_eq!(
        handoff["status"], "open",
        "the victim's handoff changed: {handoff}"
    );
    // The ops routes are the platform's probes and scrapes, open on
    // purpose (they hold no tenant's data): `/healthz` and `/readyz` on both
    // ports of every service, `/metrics` and `/admin/*` only on the
    // operator's port, which an Ingress never routes to (the seller's
    // operator port is the one the stack lists).
    let urls = store.stack.urls();
    let operators = [
        (
            "gateway",
            urls.gateway_operator.clone(),
            Some(urls.gateway.clone()),
        ),
        (
            "catalog",
            urls.catalog_operator.clone(),
            Some(urls.catalog.clone()),
        ),
        (
            "orders",
            urls.orders_operator.clone(),
            Some(urls.orders.clone()),
        ),
        (
            "sales",
            urls.sales_operator.clone(),
            Some(urls.sales.clone()),
        ),
        ("seller", urls.sellers[0].1.clone(), None),
    ];
    for (service, operator, public) in operators {
        for path in OPS {
            let status = world
                .status(Method::GET, &format!("{operator}{path}"))
                .await;
            assert!(
                status.is_success() || status == StatusCode::SERVICE_UNAVAILABLE,
                "{service}'s operator port {path}: {status}"
            );
        }
        let Some(public) = public else { continue };
        for path in ["/healthz", "/readyz"] {
            let status = world.status(Method::GET, &format!("{public}{path}")).await;
            assert!(
                status.is_success() || status == StatusCode::SERVICE_UNAVAILABLE,
                "{service} {path}: {status}"
            );
        }
        let metrics = world
            .status(Method::GET, &format!("{public}/metrics"))
            .await;
        let admin = world
            .status(Method::POST, &format!("{public}/admin/tenants"))
            .await;
        assert_eq!(
            metrics,
            StatusCode::NOT_FOUND,
            "{service} serves /metrics publicly"
        );
        assert_eq!(
            admin,
            StatusCode::NOT_FOUND,
            "{service} serves /admin publicly"
        );
    }
    crate::openapi::assert_served(&world.http, |service| world.base(service)).await;
    assert!(tried >= 2 * 45, "only {tried} requests were tried");
    assert!(failures.is_empty(), "not refused:\n{}", failures.join("\n"));
    store.stop().await;
}

#[tokio::test]
async fn a_method_a_path_does_not_list_is_not_allowed() {
    let store = Store::start().await;
    let world = World::new(&store).await;
    let mut by_path: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for &(service, method, path, _) in ROUTES {
        by_path.entry((service, path)).or_default().insert(method);
    }
    let mut failures = Vec::new();
    for ((service, path), methods) in by_path {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if methods.contains(method) {
                continue;
            }
            let url = format!("{}{}", world.base(service), world.fill(path));
            let status = world
                .http
                .request(Method::from_bytes(method.as_bytes()).expect("method"), &url)
                .send()
                .await
                .expect("the service answers")
                .status();
            // The inbox's CSRF check runs before routing: a state-changing
            // method without the token is refused there, whatever the path.
            let csrf_refusal =
                path.starts_with("/inbox") && method != "GET" && status == StatusCode::FORBIDDEN;
            if status != StatusCode::METHOD_NOT_ALLOWED && !csrf_refusal {
                failures.push(format!("{method} {path}: {status}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "methods not listed but served:\n{}",
        failures.join("\n")
    );
    store.stop().await;
}

/// Whose credentials a request carries.
#[derive(Debug, Clone, Copy)]
enum Who {
    Nobody,
    Intruder,
}

/// A refusal: 401, 403, 404, or the inbox's redirect to its sign-in page.
fn refused(status: StatusCode, location: &str) -> bool {
    matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ) || (status.is_redirection() && location.starts_with("/inbox/sign-in"))
}

/// The running store and the intruder's credentials.
struct World<'s> {
    store: &'s Store,
    http: reqwest::Client,
    /// The victim's real ids, so a refusal is not just "no such thing".
    product_id: String,
    handoff_id: String,
    conversation: String,
    victim_session: String,
    /// A secret of the victim that must never appear in an answer.
    victim_secret: String,
    intruder_catalog_key: String,
    intruder_inbox: InboxSession,
    intruder_webchat_token: String,
}

struct InboxSession {
    cookie: String,
    csrf: String,
}

impl<'s> World<'s> {
    async fn new(store: &'s Store) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let victim_key = store.catalog_key(VICTIM);
        let products: Value = http
            .get(format!(
                "{}/api/v1/brands/{BRAND}/products",
                store.catalog()
            ))
            .bearer_auth(&victim_key)
            .send()
            .await
            .expect("catalog")
            .json()
            .await
            .expect("JSON");
        let product_id = products["products"][0]["product_id"]
            .as_str()
            .unwrap_or_else(|| panic!("a demo product: {products}"))
            .to_owned();
        // A shopper of the victim asks for a person: a real handoff and
        // conversation for the sales assistant's routes.
        let shopper = "5511990000077";
        store
            .whatsapp_say(shopper, "I want to talk to a person")
            .await;
        let open = wait_for("an open handoff", 1, Duration::from_secs(30), || async {
            store.sales_get("/api/v1/handoffs?status=open").await["handoffs"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .await;
        let handoff_id = open[0]["id"].as_str().expect("handoff id").to_owned();
        let conversation = open[0]["conversation"]
            .as_str()
            .expect("conversation")
            .to_owned();
        let (victim_session, victim_secret) = webchat_session(&http, store, VICTIM).await;
        let (_, intruder_webchat_token) = webchat_session(&http, store, INTRUDER).await;
        let intruder_inbox = sign_in(&http, store, INTRUDER).await;
        Self {
            intruder_catalog_key: store.catalog_key(INTRUDER),
            store,
            http,
            product_id,
            handoff_id,
            conversation,
            victim_session,
            victim_secret,
            intruder_inbox,
            intruder_webchat_token,
        }
    }

    /// The status `method` on `url` answers, without credentials.
    async fn status(&self, method: Method, url: &str) -> StatusCode {
        self.http
            .request(method, url)
            .send()
            .await
            .expect("the service answers")
            .status()
    }

    fn base(&self, service: &str) -> String {
        let urls = self.store.stack.urls();
        match service {
            "gateway" => urls.gateway.clone(),
            "catalog" => urls.catalog.clone(),
            "catalog-operator" => urls.catalog_operator.clone(),
            "orders" => urls.orders.clone(),
            "orders-operator" => urls.orders_operator.clone(),
            "sales" => urls.sales.clone(),
            "sales-operator" => urls.sales_operator.clone(),
            "seller" => urls.sellers[0].1.clone(),
            other => panic!("unknown service {other}"),
        }
    }

    /// `path` with its parameters naming the victim's things.
    fn fill(&self, path: &str) -> String {
        let id = if path.starts_with("/api/v1/products") {
            &self.product_id
        } else if path.starts_with("/api/v1/handoffs") {
            &self.handoff_id
        } else {
            // No order of the victim's exists: any id.
            "0190c1d2-0000-7000-8000-000000000001"
        };
        path.replace("{tenant}", VICTIM)
            .replace("{brand}", BRAND)
            .replace("{id}", id)
            .replace("{session}", &self.victim_session)
            .replace("{number}", "ORD-1")
            .replace("{customer_id}", &urlencode(&self.conversation))
            .replace("{provider}", "stripe")
            .replace("{account}", &uuid::Uuid::new_v4().to_string())
            .replace("{conversation}", &urlencode(&self.conversation))
            .replace("{token}", "not-a-token")
            .replace("{file}", "x")
    }

    async fn send(&self, method: Method, url: &str, access: Access, who: Who) -> reqwest::Response {
        let body = body_for(method.as_str(), url).to_string();
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        let intruder = matches!(who, Who::Intruder);
        request = match access {
            ApiKey if intruder => request.bearer_auth(self.intruder_key(url)),
            // A tenant's key is not the operator's.
            Operator if intruder => request.bearer_auth(self.intruder_key(url)),
            Inbox if intruder => {
                let form = format!("csrf={}&text=hello", self.intruder_inbox.csrf);
                self.http
                    .request(method, url)
                    .header(header::COOKIE, &self.intruder_inbox.cookie)
                    .header("x-csrf-token", &self.intruder_inbox.csrf)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(form)
            }
            WhatsappSignature if intruder => request.header(
                "x-hub-signature-256",
                store_testkit::whatsapp::signature("bakery-app-secret", body.as_bytes()),
            ),
            WhatsappVerify if intruder => self.http.get(format!(
                "{url}?hub.mode=subscribe&hub.verify_token=bakery-verify-token&hub.challenge=42"
            )),
            WhatsappVerify => self
                .http
                .get(format!("{url}?hub.mode=subscribe&hub.challenge=42")),
            TelegramSecret if intruder => {
                request.header("x-telegram-bot-api-secret-token", "bakery-telegram-secret")
            }
            StripeSignature if intruder => request.header(
                "stripe-signature",
                format!(
                    "t={},v1={}",
                    chrono::Utc::now().timestamp(),
                    "00".repeat(32)
                ),
            ),
            Webchat if intruder => request.bearer_auth(&self.intruder_webchat_token),
            _ => request,
        };
        request.send().await.expect("the service answers")
    }

    /// The victim's product as the victim reads it.
    async fn victim_product(&self) -> Value {
        self.http
            .get(format!(
                "{}/api/v1/products/{}",
                self.store.catalog(),
                self.product_id
            ))
            .bearer_auth(self.store.catalog_key(VICTIM))
            .send()
            .await
            .expect("catalog")
            .json()
            .await
            .expect("JSON")
    }

    /// The victim's things an answer must never hold: the first found.
    fn leaks(&self, body: &str) -> Option<&'static str> {
        [
            (self.product_id.as_str(), "the victim's product id"),
            ("FASHION-0", "the victim's SKUs"),
            ("Moda Viva", "the victim's brand name"),
            (self.handoff_id.as_str(), "the victim's handoff"),
            (self.victim_secret.as_str(), "the victim's web chat token"),
            ("I want to talk to a person", "the victim's shopper's words"),
        ]
        .into_iter()
        .find(|(marker, _)| body.contains(marker))
        .map(|(_, what)| what)
    }

    /// The intruder's API key of the service `url` belongs to.
    fn intruder_key(&self, url: &str) -> String {
        let urls = self.store.stack.urls();
        if url.starts_with(&urls.catalog) {
            self.intruder_catalog_key.clone()
        } else if url.starts_with(&urls.orders) {
            urls.orders_api_keys[INTRUDER].clone()
        } else {
            urls.sales_api_keys[INTRUDER].clone()
        }
    }
}

/// A body the route would accept, so a refusal comes from who is asking,
/// not from what is asked.
fn body_for(method: &str, url: &str) -> Value {
    let path = url.split('?').next().unwrap_or(url);
    let product = json!({ "sku": "RT-1", "name": "Route test", "price_minor": 100, "stock": 1 });
    match (method, path) {
        (_, p) if p.ends_with("/products/import") => json!([product]),
        (_, p) if p.ends_with("/stock/adjustments") => {
            json!({ "adjustments": [{ "sku": "RT-1", "delta": -1 }] })
        }
        ("PUT", p) if p.contains("/api/v1/brands/") => {
            json!({ "name": "Intruder", "currency": "EUR", "language": "en" })
        }
        (_, p) if p.contains("/products") => product,
        (_, p) if p.ends_with("/status") => json!({ "status": "paid" }),
        (_, p) if p.ends_with("/cancel") => json!({ "reason": "route test" }),
        (_, p) if p.ends_with("/reply") => json!({ "text": "hello", "agent": "intruder" }),
        (_, p) if p.ends_with("/resolve") => json!({ "agent": "intruder", "resolution": "closed" }),
        (_, p) if p.ends_with("/messages") => json!({ "text": "hello" }),
        (_, p) if p.contains("/admin/") => {
            json!({ "id": "rt-tenant", "name": "Route test", "email": "x@rt.test" })
        }
        _ => json!({}),
    }
}

/// A web chat session of `tenant`: its id and token.
async fn webchat_session(http: &reqwest::Client, store: &Store, tenant: &str) -> (String, String) {
    let brands: Value = http
        .get(format!("{}/chat/{tenant}/brands", store.gateway()))
        .send()
        .await
        .expect("gateway")
        .json()
        .await
        .expect("JSON");
    let brand = brands["brands"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a brand of {tenant}: {brands}"))
        .to_owned();
    let session: Value = http
        .post(format!("{}/chat/{tenant}/sessions", store.gateway()))
        .json(&json!({ "brand": brand }))
        .send()
        .await
        .expect("gateway")
        .json()
        .await
        .expect("JSON");
    (
        session["session_id"]
            .as_str()
            .expect("session id")
            .to_owned(),
        session["token"].as_str().expect("token").to_owned(),
    )
}

/// Signs `tenant`'s inbox owner in: the session cookie and its CSRF token.
async fn sign_in(http: &reqwest::Client, store: &Store, tenant: &str) -> InboxSession {
    let sales = &store.stack.urls().sales;
    let page = http
        .get(format!("{sales}/inbox/sign-in"))
        .send()
        .await
        .expect("sales assistant");
    let cookie = session_cookie(&page).expect("a session cookie");
    let html = page.text().await.expect("the page");
    let csrf = csrf_of(&html);
    let owner = &store.stack.urls().inbox_owners[tenant];
    let form = format!(
        "csrf={csrf}&email={}&password={}",
        urlencode(&owner.email),
        urlencode(&owner.password)
    );
    let signed = http
        .post(format!("{sales}/inbox/sign-in"))
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("sales assistant");
    assert!(
        signed.status().is_redirection(),
        "sign-in: {}",
        signed.status()
    );
    let cookie = session_cookie(&signed).unwrap_or(cookie);
    let inbox = http
        .get(format!("{sales}/inbox"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .expect("sales assistant");
    assert_eq!(inbox.status(), StatusCode::OK, "the intruder's own inbox");
    let csrf = csrf_of(&inbox.text().await.expect("the page"));
    InboxSession { cookie, csrf }
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .next_back()
        .map(str::to_owned)
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).expect("a CSRF token on the page") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("the token")
        .to_owned()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The paths of every `.route(…)` under `dir`: a literal, a `const`/`let`
/// string named by it, or `&format!("{base}…")` with `base` a `let`.
fn declared_paths(dir: &Path) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for file in rust_files(dir) {
        let source = std::fs::read_to_string(&file).expect("source");
        let code = source.split("#[cfg(test)]").next().unwrap_or("");
        for call in code.split(".route(").skip(1) {
            let argument = call.trim_start();
            let path = if let Some(rest) = argument.strip_prefix('"') {
                rest.split('"').next().map(str::to_owned)
            } else if let Some(rest) = argument.strip_prefix("&format!(\"{base}") {
                let tail = rest.split('"').next().unwrap_or("");
                string_binding(code, "base")
                    .map(|base| format!("{base}{}", tail.replace("{{", "{").replace("}}", "}")))
            } else {
                let name: String = argument
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                string_binding(code, &name)
            };
            let path = path.unwrap_or_else(|| {
                panic!(
                    "{}: cannot read the path of .route({}",
                    file.display(),
                    &argument[..40.min(argument.len())]
                )
            });
            paths.insert(path);
        }
    }
    paths
}

/// The string a `const NAME: &str = "…"` or `let name = "…"` gives.
fn string_binding(code: &str, name: &str) -> Option<String> {
    [
        format!("const {name}: &str = \""),
        format!("let {name} = \""),
    ]
    .iter()
    .find_map(|marker| {
        let start = code.find(marker.as_str())? + marker.len();
        code[start..].split('"').next().map(str::to_owned)
    })
}

fn merges_admin_router(dir: &Path) -> bool {
    rust_files(dir).iter().any(|file| {
        std::fs::read_to_string(file)
            .map(|s| s.contains("tenants::admin_router()"))
            .unwrap_or(false)
    })
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("a source directory")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}
