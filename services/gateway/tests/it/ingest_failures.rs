//! The failure windows of ingestion (`flows::ingest_webhook`): whatever fails
//! after the first event is published, the webhook is answered 503 (or
//! nothing) and its retry publishes the very same event ids, so consumers,
//! which drop an id they have handled, see each message once; and a 200
//! always means every event was confirmed.

use std::{collections::BTreeMap, time::Duration};

use lapin::{
    Connection, ConnectionProperties,
    options::{QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions},
    types::{AMQPValue, FieldTable},
};
use serde_json::{Value, json};
use store_events::AttributesReader as _;

use crate::support::{MENU_NUMBER, SINGLE_NUMBER, TestApp, whatsapp_webhook};

fn text(number: &str, id: &str, body: &str) -> Vec<u8> {
    whatsapp_webhook(
        number,
        id,
        json!({ "type": "text", "text": { "body": body } }),
    )
}

fn pick(id: &str, brand: &str) -> Vec<u8> {
    whatsapp_webhook(
        MENU_NUMBER,
        id,
        json!({ "type": "interactive", "interactive": { "type": "list_reply",
            "list_reply": { "id": format!("brand:{brand}"), "title": brand } } }),
    )
}

/// Every event that arrives within `quiet` of the last: how many copies of
/// each id, per type.
async fn copies(app: &mut TestApp, quiet: Duration) -> BTreeMap<String, BTreeMap<String, u32>> {
    let mut seen: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    while let Some((event, _)) = app.try_next_event(quiet).await {
        *seen
            .entry(event.ty().to_owned())
            .or_default()
            .entry(event.id().to_owned())
            .or_default() += 1;
    }
    seen
}

async fn ledger_rows(app: &TestApp) -> i64 {
    app.recorded().await;
    sqlx::query_scalar("select count(*) from inbound_message")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Makes PostgreSQL refuse every write to `table`.
async fn refuse_writes(app: &TestApp, table: &str) {
    for sql in [
        "create or replace function refuse_for_test() returns trigger language plpgsql as \
         $$ begin raise exception 'refused for the test'; end $$"
            .to_owned(),
        format!(
            "create trigger refuse_for_test before insert or update or delete on {table} \
             for each row execute function refuse_for_test()"
        ),
    ] {
        sqlx::query(&sql).execute(&app.pool).await.unwrap();
    }
}

async fn allow_writes(app: &TestApp, table: &str) {
    sqlx::query(&format!("drop trigger refuse_for_test on {table}"))
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_broker_refusing_the_second_event_is_a_503_and_the_retry_publishes_the_same_ids() {
    let mut app = TestApp::spawn().await;
    // A queue that refuses everything, bound for the sellers' events only:
    // the broker confirms the raw event and refuses (nacks) the
    // store.chat.message.new.
    let conn = Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let full = format!("{}.full", app.bus.config().exchange);
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongLongInt(0));
    args.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    channel
        .queue_declare(full.as_str().into(), QueueDeclareOptions::default(), args)
        .await
        .unwrap();
    channel
        .queue_bind(
            full.as_str().into(),
            app.bus.config().exchange.as_str().into(),
            "store.chat.message.new.#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let body = text(SINGLE_NUMBER, "wamid.refused", "hello");

    let refused = app.post_whatsapp(&body).await;
    let rows_after_refusal = ledger_rows(&app).await;
    channel
        .queue_delete(full.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    let retried = app.post_whatsapp(&body).await;
    app.recorded().await;
    let again = app.post_whatsapp(&body).await;
    let seen = copies(&mut app, Duration::from_secs(2)).await;

    assert_eq!(refused.status(), 503);
    assert_eq!(
        rows_after_refusal, 0,
        "nothing recorded for a refused delivery"
    );
    assert_eq!(retried.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["duplicates"], 1);
    // One id per event type, however many copies reached the bus.
    for ty in ["store.whatsapp.message.received", "store.chat.message.new"] {
        assert_eq!(seen[ty].len(), 1, "{ty}: {seen:?}");
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(ledger_rows(&app).await, 1);
    let _ = conn.close(200, "done".into()).await;
    app.stop().await;
}

#[tokio::test]
async fn the_database_failing_after_the_publishes_is_a_503_and_the_retry_keeps_the_pick() {
    let mut app = TestApp::spawn().await;
    refuse_writes(&app, "conversation_brand").await;

    let failed = app.post_whatsapp(&pick("wamid.pick", "tech")).await;
    let first = copies(&mut app, Duration::from_secs(1)).await;
    allow_writes(&app, "conversation_brand").await;
    let retried = app.post_whatsapp(&pick("wamid.pick", "tech")).await;
    let second = copies(&mut app, Duration::from_secs(1)).await;
    app.post_whatsapp(&text(MENU_NUMBER, "wamid.after", "a laptop please"))
        .await;
    app.next_of("store.whatsapp.message.received").await;
    let (_, _, key) = app.next_of("store.chat.message.new").await;

    assert_eq!(failed.status(), 503);
    assert_eq!(retried.status(), 200);
    // The failed attempt had published its events; the retry published the
    // same ids again.
    assert_eq!(first, second);
    assert_eq!(first["store.chat.message.new"].len(), 1);
    assert_eq!(key, "store.chat.message.new.shop.tech", "the pick was kept");
    app.stop().await;
}

#[tokio::test]
async fn the_ledger_failing_after_the_publishes_is_still_a_200_and_a_redelivery_has_the_same_ids() {
    let mut app = TestApp::spawn().await;
    refuse_writes(&app, "inbound_message").await;
    let body = text(SINGLE_NUMBER, "wamid.unrecorded", "hello");

    let first = app.post_whatsapp(&body).await;
    let first_events = copies(&mut app, Duration::from_secs(1)).await;
    let rows = ledger_rows(&app).await;
    let redelivered = app.post_whatsapp(&body).await;
    let second_events = copies(&mut app, Duration::from_secs(1)).await;

    // The events were confirmed: the answer is 200 although the ledger
    // could not be written, and a redelivery repeats the same ids.
    assert_eq!(first.status(), 200);
    assert_eq!(rows, 0);
    assert_eq!(redelivered.status(), 200);
    assert_eq!(first_events, second_events);
    assert_eq!(first_events.len(), 2, "{first_events:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_copy_delivered_right_after_the_answer_is_a_duplicate() {
    // The ledger is written in batches after the answer; until then the
    // replica remembers what it has not written.
    let mut app = TestApp::spawn().await;
    let body = text(SINGLE_NUMBER, "wamid.twice", "hello");

    let first = app.post_whatsapp(&body).await;
    let second = app.post_whatsapp(&body).await;
    let events = copies(&mut app, Duration::from_secs(1)).await;

    assert_eq!(first.json::<Value>().await.unwrap()["delivered"], 1);
    assert_eq!(second.json::<Value>().await.unwrap()["duplicates"], 1);
    assert_eq!(
        events
            .values()
            .map(|ids| ids.values().sum::<u32>())
            .sum::<u32>(),
        2,
        "one raw and one normalised event: {events:?}"
    );
    app.stop().await;
}
