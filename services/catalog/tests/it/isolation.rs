//! A tenant cannot read or change another tenant's catalog through any
//! endpoint or request, and every endpoint needs a key.

use serde_json::{Value, json};
use store_events::data::{
    InventoryReservation, InventoryReserve, OrderItem, ProductQuery, ProductQueryResult,
    RejectionReason, ReservationOutcome,
};

use crate::helpers::{TestApp, product_json};

#[tokio::test]
async fn a_tenant_cannot_reach_another_tenants_products() {
    let app = TestApp::spawn().await;
    let alice = app.tenant("alice").await;
    let bob = app.tenant("bob").await;
    app.brand(&alice, "shop", "EUR", "en").await;
    app.brand(&bob, "shop", "EUR", "en").await;
    let product = app
        .product(
            &alice,
            "shop",
            product_json("SECRET", "Secret lamp", 1000, 3, json!({})),
        )
        .await;
    let id = product["id"].as_str().unwrap();
    let body = product_json("SECRET", "Hijacked", 1, 3, json!({}));
    let send = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut request = app.http.request(method, app.url(&path)).bearer_auth(&bob);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };

    let statuses = [
        send(reqwest::Method::GET, format!("/api/v1/products/{id}"), None)
            .await
            .unwrap()
            .status(),
        send(
            reqwest::Method::PUT,
            format!("/api/v1/products/{id}"),
            Some(body.clone()),
        )
        .await
        .unwrap()
        .status(),
        send(
            reqwest::Method::DELETE,
            format!("/api/v1/products/{id}"),
            None,
        )
        .await
        .unwrap()
        .status(),
        send(
            reqwest::Method::POST,
            format!("/api/v1/products/{id}/activate"),
            None,
        )
        .await
        .unwrap()
        .status(),
        send(
            reqwest::Method::POST,
            "/api/v1/brands/shop/stock/adjustments".into(),
            Some(json!({"adjustments": [{"sku": "SECRET", "set": 0}]})),
        )
        .await
        .unwrap()
        .status(),
    ];
    let bob_search: Value = send(
        reqwest::Method::GET,
        "/api/v1/brands/shop/products?q=lamp".into(),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let bob_query: ProductQueryResult = app
        .ask("bob", "shop", &ProductQuery::text("secret lamp"))
        .await;
    let bob_reserve: InventoryReservation = app
        .ask(
            "bob",
            "shop",
            &InventoryReserve {
                reservation_id: "r".into(),
                items: vec![OrderItem {
                    product_id: id.to_owned(),
                    variant_id: None,
                    quantity: 1,
                }],
            },
        )
        .await;

    assert!(statuses.iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(bob_search["total"], 0);
    assert!(bob_query.products.is_empty());
    assert_eq!(bob_reserve.outcome, ReservationOutcome::Refused);
    assert_eq!(bob_reserve.refusals[0].reason, RejectionReason::UnknownItem);
    // Alice's product is untouched.
    let mine: Value = app
        .get(&alice, &format!("/api/v1/products/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["name"], "Secret lamp");
    assert_eq!(mine["active"], true);
    assert_eq!(mine["variants"][0]["stock"], 3);
    app.stop().await;
}

#[tokio::test]
async fn every_endpoint_needs_a_valid_key() {
    let app = TestApp::spawn().await;
    let key = app.tenant("alice").await;
    app.brand(&key, "shop", "EUR", "en").await;

    let no_key = app
        .http
        .get(app.url("/api/v1/brands/shop"))
        .send()
        .await
        .unwrap();
    let bad_key = app.get("cat_nope", "/api/v1/brands/shop/products").await;
    let tenant_key_on_admin = app
        .http
        .post(app.operator_url("/admin/tenants"))
        .bearer_auth(&key)
        .json(&json!({"id": "mallory", "name": "M"}))
        .send()
        .await
        .unwrap();
    let good = app.get(&key, "/api/v1/brands/shop").await;

    assert_eq!(no_key.status(), 401);
    let body: Value = no_key.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    assert_eq!(bad_key.status(), 401);
    assert_eq!(tenant_key_on_admin.status(), 401);
    assert_eq!(good.status(), 200);
    app.stop().await;
}
