//! The order lifecycle over HTTP, expiry, and tenant isolation.

use std::time::Duration;

use serde_json::{Value, json};
use store_events::{
    EventData,
    data::{
        ChatResponse, InventoryRelease, OrderRejected, OrderStatus, OrderStatusChanged,
        RejectionReason, ReleaseReason, ResponsePart, Sender,
    },
    decode,
};

use crate::helpers::{TestApp, create_event, next, place, ty, wait_for_stock};

#[tokio::test]
async fn an_order_moves_through_its_lifecycle_and_the_shopper_is_told() {
    let app = TestApp::spawn().await;
    let (catalog_key, key) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let order = place(&app, "acme", &mug, 1).await;
    let mut changes = app.watch(&format!("{}.#", OrderStatusChanged::TYPE)).await;
    let mut replies = app.watch(&format!("{}.#", ChatResponse::TYPE)).await;
    let status_path = format!("/api/v1/orders/{}/status", order.order_id);

    let steps = [
        json!({"status": "paid"}),
        json!({"status": "fulfilled"}),
        json!({"status": "shipped", "tracking_number": "BR123"}),
        json!({"status": "delivered"}),
    ];
    for step in steps {
        let response = app.post(&key, &status_path, step).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
    let too_late = app
        .post(&key, &status_path, json!({"status": "cancelled"}))
        .await;
    let nonsense = app
        .post(&key, &status_path, json!({"status": "teleported"}))
        .await;

    let mut seen = Vec::new();
    for _ in 0..4 {
        let event = next(&mut changes).await;
        assert_eq!(
            event.extension("conversation").unwrap().to_string(),
            "whatsapp:100:5511999990000"
        );
        let change: OrderStatusChanged = decode(&event).unwrap();
        assert_eq!(change.order_number, order.order_number);
        seen.push((change.from, change.to, change.tracking_number));
    }
    assert_eq!(
        seen,
        [
            (OrderStatus::PendingPayment, OrderStatus::Paid, None),
            (OrderStatus::Paid, OrderStatus::Fulfilled, None),
            (
                OrderStatus::Fulfilled,
                OrderStatus::Shipped,
                Some("BR123".to_owned())
            ),
            (
                OrderStatus::Shipped,
                OrderStatus::Delivered,
                Some("BR123".to_owned())
            ),
        ]
    );
    let mut told = Vec::new();
    for _ in 0..4 {
        let reply: ChatResponse = decode(&next(&mut replies).await).unwrap();
        assert_eq!(reply.sender, Sender::System);
        assert_eq!(reply.recipient, "5511999990000");
        let ResponsePart::Text { text } = &reply.parts[0] else {
            panic!("not text")
        };
        told.push(text.clone());
    }
    assert!(told[2].contains("BR123"), "{told:?}");
    assert_eq!(too_late.status(), 409);
    let body: Value = too_late.json().await.unwrap();
    assert_eq!(body["code"], "conflict");
    assert_eq!(nonsense.status(), 422);
    let detail: Value = app
        .get(&key, &format!("/api/v1/orders/{}", order.order_id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["status"], "delivered");
    assert_eq!(detail["tracking_number"], "BR123");
    app.stop().await;
}

#[tokio::test]
async fn an_unpaid_order_expires_and_its_stock_returns() {
    let app =
        TestApp::spawn_with(|config| config.payment_timeout = Duration::from_millis(500)).await;
    let (catalog_key, key) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let mut changes = app.watch(&format!("{}.#", OrderStatusChanged::TYPE)).await;
    let mut releases = app.watch(&format!("{}.#", InventoryRelease::TYPE)).await;

    let order = place(&app, "acme", &mug, 3).await;
    assert_eq!(app.stock(&catalog_key, &mug).await, 2);

    let change: OrderStatusChanged = decode(&next(&mut changes).await).unwrap();
    assert_eq!(
        (change.from, change.to),
        (OrderStatus::PendingPayment, OrderStatus::Expired)
    );
    let release: InventoryRelease = decode(&next(&mut releases).await).unwrap();
    assert_eq!(release.reason, ReleaseReason::Expired);
    wait_for_stock(&app, &catalog_key, &mug, 5).await;
    let detail: Value = app
        .get(&key, &format!("/api/v1/orders/{}", order.order_id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["status"], "expired");
    // Paying an expired order is refused.
    let late = app
        .post(
            &key,
            &format!("/api/v1/orders/{}/status", order.order_id),
            json!({"status": "paid"}),
        )
        .await;
    assert_eq!(late.status(), 409);
    app.stop().await;
}

#[tokio::test]
async fn a_shopper_cancels_by_number_and_the_stock_returns() {
    let app = TestApp::spawn().await;
    let (catalog_key, key) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let order = place(&app, "acme", &mug, 2).await;
    let cancel = format!("/api/v1/orders/by-number/{}/cancel", order.order_number);

    let not_theirs = app
        .post(&key, &cancel, json!({"customer_id": "someone-else"}))
        .await;
    let theirs = app
        .post(
            &key,
            &cancel,
            json!({"customer_id": "5511999990000", "reason": "changed my mind"}),
        )
        .await;
    let again = app.post(&key, &cancel, json!({})).await;

    assert_eq!(not_theirs.status(), 404);
    assert_eq!(theirs.status(), 200);
    let body: Value = theirs.json().await.unwrap();
    assert_eq!(body["status"], "cancelled");
    assert_eq!(again.status(), 200, "cancelling twice is harmless");
    wait_for_stock(&app, &catalog_key, &mug, 5).await;
    let history: Value = app
        .get(&key, "/api/v1/customers/5511999990000/orders")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["total"], 1);
    assert_eq!(history["orders"][0]["status"], "cancelled");
    app.stop().await;
}

#[tokio::test]
async fn orders_are_listed_and_filtered() {
    let app = TestApp::spawn().await;
    let (catalog_key, key) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 9).await;
    let first = place(&app, "acme", &mug, 1).await;
    let second = place(&app, "acme", &mug, 1).await;
    app.post(
        &key,
        &format!("/api/v1/orders/{}/status", second.order_id),
        json!({"status": "paid"}),
    )
    .await;

    let all: Value = app
        .get(&key, "/api/v1/orders?customer_id=5511999990000&limit=5")
        .await
        .json()
        .await
        .unwrap();
    let paid: Value = app
        .get(&key, "/api/v1/orders?status=paid")
        .await
        .json()
        .await
        .unwrap();
    let bad = app.get(&key, "/api/v1/orders?status=lost").await;
    let by_number: Value = app
        .get(
            &key,
            &format!("/api/v1/orders/by-number/{}", first.order_number),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(all["total"], 2);
    // Newest first.
    assert_eq!(
        all["orders"][0]["order_number"],
        second.order_number.as_str()
    );
    assert_eq!(paid["total"], 1);
    assert_eq!(paid["orders"][0]["id"], second.order_id.as_str());
    assert_eq!(bad.status(), 422);
    assert_eq!(by_number["id"], first.order_id.as_str());
    assert_eq!(by_number["lines"][0]["unit_price"]["amount_minor"], 2500);
    app.stop().await;
}

#[tokio::test]
async fn a_tenant_cannot_read_or_change_another_tenants_orders() {
    let app = TestApp::spawn().await;
    let (alice_catalog, alice) = app.tenant("alice").await;
    let (_, bob) = app.tenant("bob").await;
    let mug = app.product(&alice_catalog, "MUG", 2500, 5).await;
    let order = place(&app, "alice", &mug, 1).await;
    let id = &order.order_id;
    let number = &order.order_number;

    let statuses = [
        app.get(&bob, &format!("/api/v1/orders/{id}"))
            .await
            .status(),
        app.get(&bob, &format!("/api/v1/orders/by-number/{number}"))
            .await
            .status(),
        app.post(
            &bob,
            &format!("/api/v1/orders/{id}/status"),
            json!({"status": "paid"}),
        )
        .await
        .status(),
        app.post(
            &bob,
            &format!("/api/v1/orders/by-number/{number}/cancel"),
            json!({}),
        )
        .await
        .status(),
    ];
    let bob_list: Value = app.get(&bob, "/api/v1/orders").await.json().await.unwrap();
    let bob_history: Value = app
        .get(&bob, "/api/v1/customers/5511999990000/orders")
        .await
        .json()
        .await
        .unwrap();
    let no_key = app
        .http
        .get(app.orders_url("/api/v1/orders"))
        .send()
        .await
        .unwrap();
    // Bob's seller cannot order Alice's product either.
    let bob_order = app.order(create_event("bob", &[(&mug, 1)])).await;

    assert!(statuses.iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(bob_list["total"], 0);
    assert_eq!(bob_history["total"], 0);
    assert_eq!(no_key.status(), 401);
    assert_eq!(ty(&bob_order), OrderRejected::TYPE);
    let rejection: OrderRejected = decode(&bob_order).unwrap();
    assert_eq!(rejection.reasons[0].reason, RejectionReason::UnknownItem);
    let mine: Value = app
        .get(&alice, &format!("/api/v1/orders/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["status"], "pending_payment");
    assert_eq!(app.stock(&alice_catalog, &mug).await, 4);
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_are_served() {
    let app = TestApp::spawn().await;

    let ready = app
        .http
        .get(app.orders_url("/readyz"))
        .send()
        .await
        .unwrap();
    let health = app
        .http
        .get(app.orders_url("/healthz"))
        .send()
        .await
        .unwrap();
    let metrics = app
        .http
        .get(app.orders_operator_url("/metrics"))
        .send()
        .await
        .unwrap();

    assert_eq!(ready.status(), 200);
    assert_eq!(health.status(), 200);
    assert_eq!(metrics.status(), 200);
    let report: Value = ready.json().await.unwrap();
    assert_eq!(report["ready"], true);
    app.stop().await;
}
