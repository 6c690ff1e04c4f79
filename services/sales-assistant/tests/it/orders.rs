//! The shop's orders are recorded from `store.order.created` and
//! `store.order.status.changed`: once per event, closed by a human when the
//! conversation was handed off at or before the order was placed, status
//! changes applied in the order they happened, each change announced on the
//! inbox's live channel.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cloudevents::AttributesWriter as _;
use sqlx::{PgPool, postgres::PgListener};
use store_events::{
    BrandId, ConversationId, Event, EventContext, TenantId,
    data::{Currency, Money, OrderCreated, OrderLine, OrderStatus, OrderStatusChanged, Payment},
    new_event,
};

use crate::helpers::{BRAND, TestApp};

/// A `store.order.created` of `tenant`'s brand [`BRAND`], in `conversation`
/// when given, of one line of `total_minor` `currency`, placed at
/// `placed_at` (the event's time).
pub fn order_created(
    tenant: &str,
    conversation: Option<&str>,
    order_id: &str,
    total_minor: i64,
    currency: &str,
    placed_at: DateTime<Utc>,
) -> Event {
    let money = |amount| Money::new(amount, Currency::parse(currency).unwrap());
    let data = OrderCreated {
        order_id: order_id.to_owned(),
        order_number: format!("FA-{order_id}"),
        lines: vec![OrderLine {
            product_id: "sneaker-1".to_owned(),
            variant_id: None,
            sku: "SNK-1".to_owned(),
            name: "Sneaker <b>One</b>".to_owned(),
            quantity: 1,
            unit_price: money(total_minor),
            line_total: money(total_minor),
        }],
        subtotal: money(total_minor),
        delivery_fee: None,
        total: money(total_minor),
        status: OrderStatus::PendingPayment,
        payment: Payment {
            provider: "stripe".to_owned(),
            link: Some(format!("https://pay.example/{order_id}")),
        },
    };
    let mut event = new_event("/tests", &order_context(tenant, conversation), &data).unwrap();
    event.set_time(Some(placed_at));
    event
}

/// A `store.order.status.changed` of `order_id` to `to` at `changed_at`.
pub fn order_status(
    tenant: &str,
    conversation: Option<&str>,
    order_id: &str,
    from: OrderStatus,
    to: OrderStatus,
    changed_at: DateTime<Utc>,
) -> Event {
    let data = OrderStatusChanged {
        order_id: order_id.to_owned(),
        order_number: format!("FA-{order_id}"),
        from,
        to,
        reason: None,
        tracking_number: None,
        changed_at,
    };
    let mut event = new_event("/tests", &order_context(tenant, conversation), &data).unwrap();
    event.set_time(Some(changed_at));
    event
}

fn order_context(tenant: &str, conversation: Option<&str>) -> EventContext {
    let context = EventContext::new(TenantId::parse(tenant).unwrap())
        .with_brand(BrandId::parse(BRAND).unwrap());
    match conversation {
        Some(c) => context.with_conversation(ConversationId::parse(c).unwrap()),
        None => context,
    }
}

/// `(status, closed_by, total_minor, conversation)` of a recorded order.
type Recorded = (String, String, i64, Option<String>);

async fn recorded(pool: &PgPool, tenant: &str, order_id: &str) -> Option<Recorded> {
    sqlx::query_as(
        "select status, closed_by, total_minor, conversation from shop_order \
         where tenant_id = $1 and order_id = $2",
    )
    .bind(tenant)
    .bind(order_id)
    .fetch_optional(pool)
    .await
    .unwrap()
}

/// Waits until `tenant`'s order `order_id` is recorded with `status`.
pub async fn wait_order_status(
    pool: &PgPool,
    tenant: &str,
    order_id: &str,
    status: &str,
) -> Recorded {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let now = recorded(pool, tenant, order_id).await;
        if let Some(order) = &now
            && order.0 == status
        {
            return order.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "order {order_id} is {now:?} after 15 s, expected {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_order_is_closed_by_a_human_only_when_its_conversation_was_handed_off_before() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:1:handed").await;
    let opened_at: DateTime<Utc> = handoff["opened_at"].as_str().unwrap().parse().unwrap();
    let later = opened_at + chrono::Duration::minutes(5);
    let earlier = opened_at - chrono::Duration::minutes(5);

    // After the hand-off, in its conversation; before it, in the same
    // conversation; in a conversation never handed off; in none at all.
    for (conversation, id, at) in [
        (Some("wa:1:handed"), "o-after", later),
        (Some("wa:1:handed"), "o-before", earlier),
        (Some("wa:2:ai"), "o-ai", later),
        (None, "o-none", later),
    ] {
        app.publish(&order_created("acme", conversation, id, 12_990, "BRL", at))
            .await;
    }

    for (id, closed_by, conversation) in [
        ("o-after", "human", Some("wa:1:handed")),
        ("o-before", "ai", Some("wa:1:handed")),
        ("o-ai", "ai", Some("wa:2:ai")),
        ("o-none", "ai", None),
    ] {
        let order = wait_order_status(&app.pool, "acme", id, "pending_payment").await;
        assert_eq!(
            order,
            (
                "pending_payment".to_owned(),
                closed_by.to_owned(),
                12_990,
                conversation.map(str::to_owned)
            ),
            "{id}"
        );
    }
    let stored: (
        serde_json::Value,
        String,
        String,
        Option<String>,
        DateTime<Utc>,
    ) = sqlx::query_as(
        "select lines, number, currency, payment_url, placed_at from shop_order \
         where tenant_id = 'acme' and order_id = 'o-after'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.0[0]["name"], "Sneaker <b>One</b>");
    assert_eq!(stored.1, "FA-o-after");
    assert_eq!(stored.2, "BRL");
    assert_eq!(stored.3.as_deref(), Some("https://pay.example/o-after"));
    assert_eq!(stored.4, later);
    app.stop().await;
}

#[tokio::test]
async fn orders_and_status_changes_are_recorded_once_and_newest_wins() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let mut listener = PgListener::connect_with(&app.pool).await.unwrap();
    listener.listen("inbox").await.unwrap();
    let placed = crate::helpers::at(600);
    let created = order_created("acme", Some("wa:3:ana"), "o-1", 5_000, "EUR", placed);
    let paid = order_status(
        "acme",
        Some("wa:3:ana"),
        "o-1",
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        placed + chrono::Duration::minutes(1),
    );
    let shipped = order_status(
        "acme",
        Some("wa:3:ana"),
        "o-1",
        OrderStatus::Paid,
        OrderStatus::Shipped,
        placed + chrono::Duration::minutes(2),
    );

    // The same paid change told again in a new event after the shipped one
    // (as a retried delivery behind newer ones would come).
    let paid_late = order_status(
        "acme",
        Some("wa:3:ana"),
        "o-1",
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        placed + chrono::Duration::minutes(1),
    );

    for event in [&created, &created, &paid, &shipped, &paid, &paid_late] {
        app.publish(event).await;
    }
    app.wait_handled("store.order.status.changed", 4).await;

    let order = wait_order_status(&app.pool, "acme", "o-1", "shipped").await;
    assert_eq!(order.1, "ai");
    let rows: i64 = sqlx::query_scalar("select count(*) from shop_order")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    // One notification for the new order, one per applied change.
    let mut kinds = Vec::new();
    for _ in 0..3 {
        let note = tokio::time::timeout(Duration::from_secs(5), listener.recv())
            .await
            .expect("no notification")
            .unwrap();
        let payload: serde_json::Value = serde_json::from_str(note.payload()).unwrap();
        kinds.push(payload);
    }
    assert!(
        kinds.iter().all(|p| *p
            == serde_json::json!({"tenant": "acme", "brand": BRAND, "conversation": "wa:3:ana", "kind": "order"})),
        "{kinds:?}"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), listener.recv())
            .await
            .is_err(),
        "a duplicate or stale event notified"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_status_change_before_its_order_is_retried_until_the_order_is_recorded() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let placed = crate::helpers::at(600);

    app.publish(&order_status(
        "acme",
        None,
        "o-late",
        OrderStatus::PendingPayment,
        OrderStatus::Cancelled,
        placed + chrono::Duration::minutes(1),
    ))
    .await;
    app.wait_metric(
        "store_events_retried_total",
        &[("type", "store.order.status.changed")],
        1.0,
    )
    .await;
    app.publish(&order_created("acme", None, "o-late", 700, "USD", placed))
        .await;

    let order = wait_order_status(&app.pool, "acme", "o-late", "cancelled").await;
    assert_eq!(order.2, 700);
    app.stop().await;
}
