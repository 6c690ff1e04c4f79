//! The admin product API: create, read, replace, deactivate, import; and
//! the ops endpoints.

use serde_json::{Value, json};
use store_events::data::{ProductQuery, ProductQueryResult};

use crate::helpers::{TestApp, product_json};

#[tokio::test]
async fn a_created_product_can_be_read_replaced_and_deactivated() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.brand(&key, "fashion", "BRL", "pt-BR").await;
    let created = app
        .product(
            &key,
            "fashion",
            product_json(
                "DRS-1",
                "Vestido midi",
                19990,
                4,
                json!({
            "tags": ["Verão"], "attributes": {"material": "viscose"}}),
            ),
        )
        .await;
    let id = created["id"].as_str().unwrap();

    let replaced = app
        .http
        .put(app.url(&format!("/api/v1/products/{id}")))
        .bearer_auth(&key)
        .json(&product_json("DRS-1", "Vestido midi", 17990, 6, json!({})))
        .send()
        .await
        .unwrap();
    let deactivated = app
        .http
        .delete(app.url(&format!("/api/v1/products/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let after: Value = app
        .get(&key, &format!("/api/v1/products/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let found: ProductQueryResult = app
        .ask("acme", "fashion", &ProductQuery::text("vestido"))
        .await;

    assert_eq!(
        created["price"],
        json!({"amount_minor": 19990, "currency": "BRL"})
    );
    assert_eq!(created["tags"], json!(["verão"]));
    assert_eq!(replaced.status(), 200);
    assert_eq!(deactivated.status(), 204);
    assert_eq!(after["price"]["amount_minor"], 17990);
    assert_eq!(after["variants"][0]["stock"], 6);
    assert_eq!(after["active"], false);
    assert!(found.products.is_empty(), "an inactive product was found");
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.brand(&key, "fashion", "BRL", "pt").await;
    let post = |body: Value| {
        app.http
            .post(app.url("/api/v1/brands/fashion/products"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    app.product(&key, "fashion", product_json("A", "A", 1, 1, json!({})))
        .await;

    let invalid = post(json!({"sku": "", "name": "x", "price_minor": -1}))
        .await
        .unwrap();
    let duplicate = post(product_json("A", "Again", 1, 1, json!({})))
        .await
        .unwrap();
    let unknown_brand = app
        .http
        .post(app.url("/api/v1/brands/nope/products"))
        .bearer_auth(&key)
        .json(&product_json("B", "B", 1, 1, json!({})))
        .send()
        .await
        .unwrap();

    assert_eq!(invalid.status(), 422);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    assert!(body["detail"].as_str().unwrap().contains("sku is empty"));
    assert_eq!(duplicate.status(), 409);
    assert_eq!(unknown_brand.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn an_import_creates_and_then_updates_by_sku() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.brand(&key, "bakery", "EUR", "en").await;
    let import = |body: Value| {
        app.http
            .post(app.url("/api/v1/brands/bakery/products/import"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };

    let first: Value = import(json!([
        product_json("BREAD", "Sourdough bread", 450, 20, json!({})),
        product_json("CROIS", "Croissant", 180, 40, json!({})),
    ]))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let second: Value = import(json!([product_json(
        "BREAD",
        "Sourdough bread",
        500,
        12,
        json!({})
    )]))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let bread: Value = app
        .get(
            &key,
            &format!(
                "/api/v1/products/{}",
                second["product_ids"][0].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(first["imported"], 2);
    assert_eq!(second["product_ids"][0], first["product_ids"][0]);
    assert_eq!(bread["price"]["amount_minor"], 500);
    assert_eq!(bread["variants"][0]["stock"], 12);
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_are_served() {
    let app = TestApp::spawn().await;

    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    let metrics = app
        .http
        .get(app.operator_url("/metrics"))
        .send()
        .await
        .unwrap();

    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
    let report: Value = ready.json().await.unwrap();
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rabbitmq", "postgres", "shutdown"]);
    assert_eq!(metrics.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_csv_export_imports_products_with_variants() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.brand(&key, "fashion", "BRL", "pt").await;
    let csv = "sku,name,price_minor,description,tags,stock,variant_sku,variant_name,variant_attributes,variant_price_minor,variant_stock\n\
               TEE,\"Camiseta, básica\",4990,\"Algodão \"\"pima\"\"\",cotton|basic,,TEE-M,M,size=M,,3\n\
               TEE,\"Camiseta, básica\",4990,,,,TEE-G,G,size=G,5490,1\n\
               CAP,Boné,2990,,,8,,,,,\n";

    let response = app
        .http
        .post(app.url("/api/v1/brands/fashion/products/import"))
        .bearer_auth(&key)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let bad = app
        .http
        .post(app.url("/api/v1/brands/fashion/products/import"))
        .bearer_auth(&key)
        .header("Content-Type", "text/csv")
        .body("sku,name\nA,B\n")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["imported"], 2);
    let tee: Value = app
        .get(
            &key,
            &format!(
                "/api/v1/products/{}",
                body["product_ids"][0].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tee["name"], "Camiseta, básica");
    assert_eq!(tee["description"], "Algodão \"pima\"");
    assert_eq!(tee["variants"][1]["price"]["amount_minor"], 5490);
    assert_eq!(tee["variants"][1]["attributes"]["size"], "G");
    assert_eq!(bad.status(), 422);
    app.stop().await;
}
