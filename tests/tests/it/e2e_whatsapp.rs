//! End to end over WhatsApp: a shopper's conversation through the real
//! gateway, seller (offline brain), catalog and order processor, from the
//! greeting to a placed order to the paid notification; and a duplicate
//! webhook delivery.

use std::time::Duration;

use store_tests::store::{Store, fixture, wait_for};

/// The shopper of the shared fixtures.
const FIXTURE_SHOPPER: &str = "972987654321";

fn mentions_price(texts: &[String]) -> bool {
    texts.iter().any(|t| t.contains(" BRL"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whatsapp_shopper_orders_two_and_is_told_when_paid() {
    let shop = Store::start().await;
    let shopper = "5511990000001";

    let greeting = shop.whatsapp_say(shopper, "hi").await;
    assert!(!greeting.join(" ").trim().is_empty(), "{greeting:?}");

    let found = shop.whatsapp_say(shopper, "show me sneakers").await;
    let listing = found.join("\n");
    assert!(listing.to_lowercase().contains("sneaker"), "{listing}");
    assert!(mentions_price(&found), "prices quoted: {listing}");

    let confirm = shop.whatsapp_say(shopper, "2 of 1").await;
    assert!(
        mentions_price(&confirm),
        "the total before confirming: {confirm:?}"
    );

    let placed = shop.whatsapp_say(shopper, "yes").await.join("\n");
    let orders = wait_for("orders", 1, Duration::from_secs(20), || {
        shop.orders_of(shopper)
    })
    .await;
    assert_eq!(orders.len(), 1, "{orders:#?}");
    let order = &orders[0];
    let number = order["order_number"].as_str().expect("order number");
    assert!(
        placed.contains(number),
        "the shopper is told {number}: {placed}"
    );
    let lines = order["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "{order:#}");
    assert_eq!(lines[0]["quantity"], 2);
    assert!(
        lines[0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
            .contains("sneaker")
    );
    let unit = lines[0]["unit_price"]["amount_minor"]
        .as_i64()
        .expect("unit price");
    assert_eq!(
        order["total"]["amount_minor"].as_i64(),
        Some(2 * unit),
        "{order:#}"
    );
    assert_eq!(order["channel"], "whatsapp");

    let before = shop.whatsapp_texts(shopper).await.len();
    shop.set_order_status(order["id"].as_str().expect("id"), "paid")
        .await;
    let notice = shop.replies(before, || shop.whatsapp_texts(shopper)).await;
    assert!(
        notice
            .iter()
            .any(|t| t.contains(number) && t.to_lowercase().contains("payment received")),
        "{notice:?}"
    );

    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_delivered_twice_is_answered_once() {
    let shop = Store::start().await;
    // The shared fixture, byte for byte, twice (Meta retries a delivery it
    // saw no 200 for).
    let first = shop.post_whatsapp(fixture("whatsapp/text.json")).await;
    assert_eq!(first.status(), 200);
    let report: serde_json::Value = first.json().await.expect("report");
    assert_eq!(report["delivered"], 1, "{report}");
    let second = shop.post_whatsapp(fixture("whatsapp/text.json")).await;
    assert_eq!(second.status(), 200);
    let report: serde_json::Value = second.json().await.expect("report");
    assert_eq!(report["duplicates"], 1, "{report}");

    let replies = shop
        .replies(0, || shop.whatsapp_texts(FIXTURE_SHOPPER))
        .await;
    // Let a second answer, if one were coming, arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        shop.whatsapp_texts(FIXTURE_SHOPPER).await,
        replies,
        "one delivery, one answer"
    );
    // The gateway logs each message it delivers to a seller (ids only).
    let delivered = shop
        .log("gateway")
        .lines()
        .filter(|l| l.contains("message delivered to the seller"))
        .count();
    assert_eq!(delivered, 1, "the gateway delivered the message once");

    shop.stop().await;
}
