//! Reservations (all or nothing, idempotent, no overselling), releases and
//! stock adjustments, with their `store.inventory.changed` notices.

use serde_json::{Value, json};
use store_events::{
    EventData,
    data::{
        InventoryChanged, InventoryRelease, InventoryReservation, InventoryReserve, OrderItem,
        RejectionReason, ReleaseReason, ReservationOutcome, StockChangeReason,
    },
    decode,
};

use crate::helpers::{TestApp, next, product_json};

fn item(product_id: &str, variant_id: Option<&str>, quantity: u32) -> OrderItem {
    OrderItem {
        product_id: product_id.to_owned(),
        variant_id: variant_id.map(str::to_owned),
        quantity,
    }
}

fn reserve(id: &str, items: Vec<OrderItem>) -> InventoryReserve {
    InventoryReserve {
        reservation_id: id.to_owned(),
        items,
    }
}

/// Asks for `request` on a task of its own (to race others), each ask a
/// new event.
fn spawn_ask(
    app: &TestApp,
    request: InventoryReserve,
) -> tokio::task::JoinHandle<InventoryReservation> {
    let bus = app.bus.clone();
    let event = store_events::new_event(
        "/tests",
        &store_events::EventContext::new(store_events::TenantId::parse("acme").unwrap())
            .with_brand(store_events::BrandId::parse("home").unwrap()),
        &request,
    )
    .unwrap();
    tokio::spawn(async move {
        let reply = bus
            .request(event, std::time::Duration::from_secs(30))
            .await
            .unwrap();
        decode::<InventoryReservation>(&reply).unwrap()
    })
}

async fn stock_of(app: &TestApp, key: &str, product_id: &str) -> Vec<i64> {
    let view: Value = app
        .get(key, &format!("/api/v1/products/{product_id}"))
        .await
        .json()
        .await
        .unwrap();
    view["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["stock"].as_i64().unwrap())
        .collect()
}

struct Shop {
    app: TestApp,
    key: String,
    mug: String,
    shirt: String,
    shirt_m: String,
}

async fn shop() -> Shop {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.brand(&key, "home", "BRL", "pt-BR").await;
    let mug = app
        .product(
            &key,
            "home",
            product_json("MUG", "Caneca", 2500, 10, json!({"max_per_order": 5})),
        )
        .await;
    let shirt = app
        .product(&key, "home", product_json("TEE", "Camiseta", 5990, 0, json!({
            "variants": [
                {"sku": "TEE-M", "name": "M", "attributes": {"size": "M"}, "stock": 2},
                {"sku": "TEE-G", "name": "G", "attributes": {"size": "G"}, "stock": 0, "price_minor": 6490}]})))
        .await;
    Shop {
        mug: mug["id"].as_str().unwrap().to_owned(),
        shirt: shirt["id"].as_str().unwrap().to_owned(),
        shirt_m: shirt["variants"][0]["id"].as_str().unwrap().to_owned(),
        app,
        key,
    }
}

#[tokio::test]
async fn a_reservation_prices_lines_takes_stock_and_is_idempotent() {
    let s = shop().await;
    let mut changes = s.app.watch(&format!("{}.#", InventoryChanged::TYPE)).await;
    let request = reserve(
        "order-1",
        vec![item(&s.mug, None, 3), item(&s.shirt, Some(&s.shirt_m), 2)],
    );

    let first: InventoryReservation = s.app.ask("acme", "home", &request).await;
    let again: InventoryReservation = s.app.ask("acme", "home", &request).await;

    assert_eq!(first.outcome, ReservationOutcome::Reserved);
    assert_eq!(first.lines[0].unit_price.amount_minor, 2500);
    assert_eq!(first.lines[0].unit_price.currency.as_str(), "BRL");
    assert_eq!(first.lines[1].name, "Camiseta (M)");
    assert_eq!(
        first.lines[1].variant_id.as_deref(),
        Some(s.shirt_m.as_str())
    );
    assert_eq!(again, first);
    assert_eq!(stock_of(&s.app, &s.key, &s.mug).await, [7]);
    assert_eq!(stock_of(&s.app, &s.key, &s.shirt).await, [0, 0]);
    let notice = next(&mut changes).await;
    store_events::validation::validate(&notice).unwrap();
    let notice: InventoryChanged = decode(&notice).unwrap();
    assert_eq!(notice.reason, StockChangeReason::Reserved);
    assert_eq!(notice.reservation_id.as_deref(), Some("order-1"));
    assert_eq!(notice.items.len(), 2);
    s.app.stop().await;
}

#[tokio::test]
async fn a_refused_reservation_takes_nothing_and_says_why_per_line() {
    let s = shop().await;
    let request = reserve(
        "order-2",
        vec![
            item(&s.mug, None, 2),
            item(&s.mug, None, 6),
            item(&s.shirt, None, 1),
            item(&s.shirt, Some(&s.shirt_m), 3),
            item("0195a1b2-1111-7000-8000-000000000001", None, 1),
        ],
    );

    let reply: InventoryReservation = s.app.ask("acme", "home", &request).await;

    assert_eq!(reply.outcome, ReservationOutcome::Refused);
    assert!(reply.lines.is_empty());
    let reasons: Vec<_> = reply
        .refusals
        .iter()
        .map(|r| (r.line, r.reason, r.available))
        .collect();
    assert_eq!(
        reasons,
        [
            (1, RejectionReason::QuantityLimit, Some(5)),
            (2, RejectionReason::Invalid, None),
            (3, RejectionReason::OutOfStock, Some(2)),
            (4, RejectionReason::UnknownItem, None),
        ]
    );
    assert_eq!(stock_of(&s.app, &s.key, &s.mug).await, [10]);
    s.app.stop().await;
}

#[tokio::test]
async fn fifty_concurrent_reservations_for_ten_units_reserve_exactly_ten() {
    let s = shop().await;
    let requests: Vec<_> = (0..50)
        .map(|i| {
            spawn_ask(
                &s.app,
                reserve(&format!("order-c{i}"), vec![item(&s.mug, None, 1)]),
            )
        })
        .collect();

    let mut reserved = 0;
    let mut refused = 0;
    for handle in requests {
        match handle.await.unwrap().outcome {
            ReservationOutcome::Reserved => reserved += 1,
            ReservationOutcome::Refused => refused += 1,
            ReservationOutcome::Failed => panic!("a reservation failed"),
        }
    }

    assert_eq!((reserved, refused), (10, 40));
    assert_eq!(stock_of(&s.app, &s.key, &s.mug).await, [0]);
    s.app.stop().await;
}

#[tokio::test]
async fn copies_of_one_reservation_racing_take_the_stock_once_and_answer_alike() {
    let s = shop().await;
    // All the stock of the variant: a copy that reads the stock after the
    // first has taken it would refuse, and must answer as the first did.
    let request = reserve("order-twin", vec![item(&s.shirt, Some(&s.shirt_m), 2)]);
    let copies: Vec<_> = (0..10)
        .map(|_| spawn_ask(&s.app, request.clone()))
        .collect();

    let mut replies = Vec::new();
    for copy in copies {
        replies.push(copy.await.unwrap());
    }

    assert_eq!(replies[0].outcome, ReservationOutcome::Reserved);
    assert!(
        replies.iter().all(|r| *r == replies[0]),
        "every copy answered as the first: {replies:?}"
    );
    assert_eq!(stock_of(&s.app, &s.key, &s.shirt).await, [0, 0]);
    s.app.stop().await;
}

#[tokio::test]
async fn a_release_gives_the_stock_back_once() {
    let s = shop().await;
    let mut changes = s.app.watch(&format!("{}.#", InventoryChanged::TYPE)).await;
    let _: InventoryReservation = s
        .app
        .ask(
            "acme",
            "home",
            &reserve("order-3", vec![item(&s.mug, None, 4)]),
        )
        .await;
    let reserved = next(&mut changes).await;
    assert_eq!(
        decode::<InventoryChanged>(&reserved).unwrap().reason,
        StockChangeReason::Reserved
    );
    let release = InventoryRelease {
        reservation_id: "order-3".into(),
        reason: ReleaseReason::Expired,
    };
    let context = store_events::EventContext::new(store_events::TenantId::parse("acme").unwrap())
        .with_brand(store_events::BrandId::parse("home").unwrap());

    let event = store_events::new_event("/tests", &context, &release).unwrap();
    s.app.bus.publish(event.clone()).await.unwrap();
    s.app.bus.publish(event).await.unwrap();
    let released = next(&mut changes).await;

    store_events::validation::validate(&released).unwrap();
    let released: InventoryChanged = decode(&released).unwrap();
    assert_eq!(released.reason, StockChangeReason::Released);
    assert_eq!(released.items[0].stock, 10);
    assert_eq!(released.items[0].delta, 4);
    // Neither the duplicate nor another tenant's release of the same
    // reservation id moves stock again.
    let other = store_events::EventContext::new(store_events::TenantId::parse("evil").unwrap())
        .with_brand(store_events::BrandId::parse("home").unwrap());
    s.app
        .bus
        .publish(store_events::new_event("/tests", &other, &release).unwrap())
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), changes.recv())
            .await
            .is_err(),
        "a repeated release moved stock"
    );
    assert_eq!(stock_of(&s.app, &s.key, &s.mug).await, [10]);
    s.app.stop().await;
}

#[tokio::test]
async fn stock_adjustments_are_all_or_nothing_and_announced() {
    let s = shop().await;
    let mut changes = s.app.watch(&format!("{}.#", InventoryChanged::TYPE)).await;
    let adjust = |body: Value| {
        s.app
            .http
            .post(s.app.url("/api/v1/brands/home/stock/adjustments"))
            .bearer_auth(&s.key)
            .json(&body)
            .send()
    };

    let refused = adjust(json!({"adjustments": [
        {"sku": "MUG", "delta": 5}, {"sku": "TEE-G", "delta": -1}]}))
    .await
    .unwrap();
    let accepted = adjust(json!({"adjustments": [
        {"sku": "MUG", "delta": 5}, {"sku": "TEE-G", "set": 4}]}))
    .await
    .unwrap();

    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    assert_eq!(accepted.status(), 200);
    assert_eq!(stock_of(&s.app, &s.key, &s.mug).await, [15]);
    assert_eq!(stock_of(&s.app, &s.key, &s.shirt).await, [2, 4]);
    let notice = next(&mut changes).await;
    store_events::validation::validate(&notice).unwrap();
    assert_eq!(notice.extension("brand").unwrap().to_string(), "home");
    let notice: InventoryChanged = decode(&notice).unwrap();
    assert_eq!(notice.reason, StockChangeReason::Adjusted);
    assert_eq!(
        notice
            .items
            .iter()
            .map(|i| (i.sku.as_str(), i.stock, i.delta))
            .collect::<Vec<_>>(),
        [("MUG", 15, 5), ("TEE-G", 4, 4)]
    );
    s.app.stop().await;
}

#[tokio::test]
async fn two_line_reservations_racing_in_opposite_orders_neither_deadlock_nor_oversell() {
    let s = shop().await;
    let tenant = store_events::TenantId::parse("acme").unwrap();
    let brand = store_events::BrandId::parse("home").unwrap();
    // 10 mugs, 2 shirts in M: at most two reservations of one of each can
    // pass; half name the shirt first, half the mug.
    let attempts = (0..30).map(|i| {
        let pool = s.app.pool.clone();
        let (tenant, brand) = (tenant.clone(), brand.clone());
        let mug = item(&s.mug, None, 1);
        let shirt = item(&s.shirt, Some(&s.shirt_m), 1);
        let items = if i % 2 == 0 {
            vec![mug, shirt]
        } else {
            vec![shirt, mug]
        };
        tokio::spawn(async move {
            catalog::db::inventory::reserve(&pool, &tenant, &brand, &format!("pair-{i}"), &items, 5)
                .await
                .map(|r| (r.reply.outcome, r.levels))
        })
    });
    let mut reserved = Vec::new();
    let mut refused = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        match attempt
            .await
            .unwrap()
            .expect("no reservation errs (no deadlock)")
        {
            (ReservationOutcome::Reserved, levels) => reserved.push(levels),
            (ReservationOutcome::Refused, levels) => {
                assert!(levels.is_empty());
                refused += 1;
            }
            (ReservationOutcome::Failed, _) => panic!("a reservation failed"),
        }
    }

    assert_eq!((reserved.len(), refused), (2, 28));
    assert_eq!(stock_of(&s.app, &s.key, &s.mug).await, [8]);
    assert_eq!(stock_of(&s.app, &s.key, &s.shirt).await, [0, 0]);
    // Each reservation reports the levels it left, one per variant.
    for levels in &reserved {
        assert_eq!(levels.len(), 2);
        assert!(levels.iter().all(|l| l.delta == -1));
    }
    let lines: i64 = sqlx::query_scalar(
        "select count(*) from reservation_line where reservation_id like 'pair-%'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(lines, 4, "only the reservations that passed keep lines");
    s.app.stop().await;
}
