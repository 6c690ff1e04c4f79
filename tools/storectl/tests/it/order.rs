//! `storectl order` against a fake order processor speaking its real
//! routes and JSON (services/order-processor/src/http/orders.rs).

use serde_json::{Value, json};
use storectl::order::{OrdersClient, Query, summarize};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

fn order_json() -> Value {
    json!({
        "id": "0195f3a2-7c1e-7d42-9a8b-1c2d3e4f5a6b",
        "order_number": "FA-1001",
        "brand": "fashion",
        "status": "pending_payment",
        "customer": {"id": "wa-351910000000", "display_name": "Ana"},
        "channel": "whatsapp",
        "lines": [
            {"product_id": "p1", "sku": "SNK-42", "name": "Runner sneakers", "quantity": 2,
             "unit_price": {"amount_minor": 5990, "currency": "EUR"},
             "line_total": {"amount_minor": 11980, "currency": "EUR"}},
            {"product_id": "p2", "variant_id": "v9", "sku": "SOCK-1", "name": "Socks", "quantity": 1,
             "unit_price": {"amount_minor": 499, "currency": "EUR"},
             "line_total": {"amount_minor": 499, "currency": "EUR"}}
        ],
        "subtotal": {"amount_minor": 12479, "currency": "EUR"},
        "delivery_fee": {"amount_minor": 450, "currency": "EUR"},
        "total": {"amount_minor": 12929, "currency": "EUR"},
        "payment": {"provider": "manual"},
        "created_at": "2026-11-23T10:00:00Z",
        "updated_at": "2026-11-23T10:00:00Z"
    })
}

#[tokio::test]
async fn an_order_by_number_is_summarised_with_lines_and_total() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/by-number/FA-1001"))
        .and(header("authorization", "Bearer key-demo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order_json()))
        .expect(1)
        .mount(&server)
        .await;
    let client = OrdersClient::new(&server.uri(), "demo", Some("key-demo".into())).unwrap();
    let query = Query::One("FA-1001".into());

    let found = client.fetch(&query).await.unwrap();
    let summary = summarize(&query, &found);

    assert!(
        summary.starts_with("Order FA-1001  [pending_payment]  brand fashion"),
        "{summary}"
    );
    assert!(
        summary.contains("2 × Runner sneakers (SNK-42) at 59.90 EUR = 119.80 EUR"),
        "{summary}"
    );
    assert!(summary.contains("delivery  4.50 EUR"), "{summary}");
    assert!(summary.contains("total     129.29 EUR"), "{summary}");
    assert_eq!(found, order_json(), "--json prints the API's JSON as it is");
}

#[tokio::test]
async fn an_order_by_id_uses_the_id_route_and_a_customer_s_orders_are_listed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/0195f3a2-7c1e-7d42-9a8b-1c2d3e4f5a6b"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order_json()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customers/wa-351910000000/orders"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"orders": [order_json()], "total": 1})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = OrdersClient::new(&server.uri(), "demo", Some("k".into())).unwrap();
    let by_id = Query::One("0195f3a2-7c1e-7d42-9a8b-1c2d3e4f5a6b".into());
    let list = Query::Customer("wa-351910000000".into());

    let one = client.fetch(&by_id).await.unwrap();
    let listed = summarize(&list, &client.fetch(&list).await.unwrap());

    assert_eq!(one["order_number"], "FA-1001");
    assert!(
        listed.starts_with("1 order(s) of customer wa-351910000000"),
        "{listed}"
    );
    assert!(
        listed.contains("FA-1001") && listed.contains("129.29 EUR") && listed.contains("3 item(s)"),
        "{listed}"
    );
}

#[tokio::test]
async fn a_refused_key_and_a_missing_order_say_what_to_do() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer wrong"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"code": "unauthorized", "detail": "a valid API key is required"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer right"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "not_found", "detail": "order not found"})),
        )
        .mount(&server)
        .await;
    let query = Query::One("FA-9".into());

    let refused = OrdersClient::new(&server.uri(), "demo", Some("wrong".into()))
        .unwrap()
        .fetch(&query)
        .await
        .unwrap_err();
    let missing = OrdersClient::new(&server.uri(), "demo", Some("right".into()))
        .unwrap()
        .fetch(&query)
        .await
        .unwrap_err();
    let no_key = OrdersClient::new(&server.uri(), "demo", None).unwrap_err();

    assert!(
        refused.to_string().contains("STORE_ORDERS_API_KEY"),
        "{refused}"
    );
    assert!(
        !refused.to_string().contains("wrong"),
        "the key is never printed"
    );
    assert!(
        missing
            .to_string()
            .contains("order \"FA-9\" not found in tenant \"demo\""),
        "{missing}"
    );
    assert!(
        no_key.0.contains("--api-key or set STORE_ORDERS_API_KEY"),
        "{}",
        no_key.0
    );
}

#[tokio::test]
async fn the_binary_prints_the_summary() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/by-number/FA-1001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order_json()))
        .mount(&server)
        .await;
    let uri = server.uri();

    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_storectl"))
            .args([
                "order", "show", "FA-1001", "--tenant", "demo", "--orders", &uri,
            ])
            .env("STORE_ORDERS_API_KEY", "key-from-env")
            .output()
            .unwrap()
    })
    .await
    .unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("total     129.29 EUR"), "{stdout}");
}
