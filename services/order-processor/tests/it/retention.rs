//! The retention: published outbox events and idempotency-ledger rows older
//! than `RETENTION_DAYS` go; recent ones stay.

use std::time::Duration;

use crate::helpers::{TestApp, create_event, ty};
use store_events::{EventData, data::OrderCreated};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn old_published_events_and_ledger_rows_are_purged_and_the_rest_kept() {
    let app = TestApp::spawn().await;
    let (catalog_key, _) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    for _ in 0..2 {
        let reply = app.order(create_event("acme", &[(&mug, 1)])).await;
        assert_eq!(ty(&reply), OrderCreated::TYPE);
    }
    let published = "select count(*) from outbox where published_at is not null";
    for _ in 0..100 {
        if count(&app, published).await == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(&app, published).await, 2, "the relay published both");
    // One published event and one ledger row from eight days ago, beside
    // the recent ones.
    sqlx::query(
        "update outbox set created_at = now() - interval '8 days', \
         published_at = now() - interval '8 days' \
         where id = (select id from outbox order by created_at limit 1)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into processed_event (consumer, event_id, event_type, created_at) values \
         ('old', 'e-1', 't', now() - interval '8 days'), ('new', 'e-2', 't', now())",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let swept = app.housekeeper.sweep().await;

    assert_eq!(swept, vec![("processed_event", 1), ("outbox", 1)]);
    assert_eq!(count(&app, published).await, 1, "the recent event stays");
    assert_eq!(
        count(
            &app,
            "select count(*) from processed_event where consumer = 'new'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from processed_event where consumer = 'old'"
        )
        .await,
        0
    );
    assert_eq!(
        app.orders_metric("store_rows_purged_total", &[("table", "outbox")])
            .await,
        1.0
    );
    assert_eq!(
        app.housekeeper.sweep().await,
        vec![("processed_event", 0), ("outbox", 0)]
    );
    app.stop().await;
}
