//! Placing orders: prices from the catalog only, no overselling, once per
//! request event.

use std::collections::HashSet;

use cloudevents::{AttributesReader, Data};
use serde_json::{Value, json};
use store_events::{
    EventData,
    data::{OrderCreated, OrderRejected, RejectionReason},
    decode,
};

use crate::helpers::{TestApp, create_event, ty};

fn data_of(event: &cloudevents::Event) -> Value {
    match event.data() {
        Some(Data::Json(value)) => value.clone(),
        other => panic!("unexpected data {other:?}"),
    }
}

async fn orders_in_db(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from customer_order")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn prices_and_totals_come_from_the_catalog_whatever_the_request_says() {
    let app = TestApp::spawn().await;
    let (catalog_key, orders_key) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    // A seller (or a prompt injection) adds its own prices at the top level,
    // where unknown fields are ignored.
    let mut forged = create_event("acme", &[(&mug, 2)]);
    let mut data = data_of(&forged);
    data["total"] = json!({"amount_minor": 1, "currency": "EUR"});
    data["lines"] = json!([{"product_id": mug, "quantity": 2, "unit_price": {"amount_minor": 1, "currency": "EUR"}}]);
    forged.set_data("application/json", data);
    // And one puts a price inside an item, which the contract forbids.
    let mut smuggled = create_event("acme", &[(&mug, 1)]);
    let mut data = data_of(&smuggled);
    data["items"][0]["unit_price"] = json!({"amount_minor": 1, "currency": "EUR"});
    smuggled.set_data("application/json", data);

    let placed = app.order(forged).await;
    let refused = app.order(smuggled).await;

    assert_eq!(ty(&placed), OrderCreated::TYPE);
    let order: OrderCreated = decode(&placed).unwrap();
    assert_eq!(order.lines[0].unit_price.amount_minor, 2500);
    assert_eq!(order.lines[0].line_total.amount_minor, 5000);
    assert_eq!(order.total.amount_minor, 5000);
    assert_eq!(order.total.currency.as_str(), "EUR");
    assert_eq!(ty(&refused), OrderRejected::TYPE);
    let rejection: OrderRejected = decode(&refused).unwrap();
    assert!(
        rejection.message.contains("malformed"),
        "{}",
        rejection.message
    );
    // What is stored is the catalog's price too, and only one order exists.
    let stored: Value = app
        .get(&orders_key, &format!("/api/v1/orders/{}", order.order_id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["total"]["amount_minor"], 5000);
    assert_eq!(orders_in_db(&app).await, 1);
    assert_eq!(app.stock(&catalog_key, &mug).await, 3);
    app.stop().await;
}

#[tokio::test]
async fn fifty_concurrent_orders_for_ten_units_place_exactly_ten() {
    let app = TestApp::spawn().await;
    let (catalog_key, _) = app.tenant("acme").await;
    let lamp = app.product(&catalog_key, "LAMP", 4990, 10).await;

    let requests: Vec<_> = (0..50)
        .map(|_| {
            let bus = app.bus.clone();
            let event = create_event("acme", &[(&lamp, 1)]);
            tokio::spawn(async move {
                bus.request(event, std::time::Duration::from_secs(60))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut rejected = Vec::new();
    for request in requests {
        let reply = request.await.unwrap();
        store_events::validation::validate(&reply).unwrap();
        match reply.ty() {
            OrderCreated::TYPE => created.push(decode::<OrderCreated>(&reply).unwrap()),
            OrderRejected::TYPE => rejected.push(decode::<OrderRejected>(&reply).unwrap()),
            other => panic!("unexpected {other}"),
        }
    }

    assert_eq!((created.len(), rejected.len()), (10, 40));
    assert!(
        rejected
            .iter()
            .all(|r| r.reasons[0].reason == RejectionReason::OutOfStock)
    );
    let numbers: HashSet<_> = created.iter().map(|o| o.order_number.clone()).collect();
    assert_eq!(numbers.len(), 10);
    assert_eq!(orders_in_db(&app).await, 10);
    assert_eq!(app.stock(&catalog_key, &lamp).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_same_create_event_twice_makes_one_order() {
    let app = TestApp::spawn().await;
    let (catalog_key, _) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let event = create_event("acme", &[(&mug, 2)]);

    let first = app.order(event.clone()).await;
    app.bus.publish(event.clone()).await.unwrap();
    let second = app.order(event.clone()).await;

    assert_eq!(ty(&first), OrderCreated::TYPE);
    // The very same outcome event, not a second order.
    assert_eq!(second.id(), first.id());
    assert_eq!(
        decode::<OrderCreated>(&second).unwrap(),
        decode::<OrderCreated>(&first).unwrap()
    );
    assert_eq!(orders_in_db(&app).await, 1);
    let queued: i64 = sqlx::query_scalar("select count(*) from outbox where event ->> 'type' = $1")
        .bind(OrderCreated::TYPE)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(app.stock(&catalog_key, &mug).await, 3);
    app.stop().await;
}

#[tokio::test]
async fn each_refused_line_says_why_and_nothing_is_reserved() {
    let app = TestApp::spawn().await;
    let (catalog_key, _) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let cup = app.product(&catalog_key, "CUP", 900, 1).await;
    let response = app
        .http
        .delete(app.catalog_url(&format!("/api/v1/products/{cup}")))
        .bearer_auth(&catalog_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let reply = app
        .order(create_event(
            "acme",
            &[
                (&mug, 2),
                (&cup, 1),
                ("0195a1b2-1111-7000-8000-000000000001", 1),
                (&mug, 9),
            ],
        ))
        .await;
    // An empty order breaks the contract; the processor still answers.
    let mut empty = create_event("acme", &[(&mug, 1)]);
    let mut data = data_of(&empty);
    data["items"] = json!([]);
    empty.set_data("application/json", data);
    let empty = app.order(empty).await;

    let rejection: OrderRejected = decode(&reply).unwrap();
    let reasons: Vec<_> = rejection
        .reasons
        .iter()
        .map(|r| (r.line, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            (0, RejectionReason::OutOfStock),
            (1, RejectionReason::Inactive),
            (2, RejectionReason::UnknownItem),
            (3, RejectionReason::OutOfStock),
        ]
    );
    assert_eq!(ty(&empty), OrderRejected::TYPE);
    assert_eq!(orders_in_db(&app).await, 0);
    assert_eq!(app.stock(&catalog_key, &mug).await, 5);
    app.stop().await;
}
