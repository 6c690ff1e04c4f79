//! The offline brain end to end: a shopper greets, searches, picks two of an
//! item, confirms, and the order is placed with the shop's prices.
#![allow(clippy::unwrap_used)]

mod support;

use support::Shop;

#[tokio::test]
async fn a_shopper_finds_a_product_orders_two_and_gets_the_shops_total() {
    let mut shop = Shop::start().await;
    shop.start_seller(shop.config(None)).await;
    let chat = "wa:34600000001";

    shop.say(chat, "Hola!").await;
    let (_, greeting) = shop.reply().await;
    assert!(greeting.contains("Soy Lía"), "{greeting}");

    shop.say(chat, "quiero zapatillas").await;
    let (_, list) = shop.reply().await;
    assert!(
        list.contains("Zapatillas Runner Roja — 59.99 EUR (7 en stock)"),
        "{list}"
    );
    assert!(
        list.contains("Zapatillas Classic Blanca — 45.00 EUR"),
        "{list}"
    );

    shop.say(chat, "2 del 1").await;
    let (_, confirm) = shop.reply().await;
    assert!(
        confirm.contains("2 × Zapatillas Runner Roja a 59.99 EUR"),
        "{confirm}"
    );

    shop.say(chat, "sí").await;
    let (_, placed) = shop.reply().await;
    assert!(placed.contains("A-1001"), "{placed}");
    assert!(placed.contains("Total: 119.98 EUR"), "{placed}");

    let orders = shop.orders.lock().unwrap().clone();
    assert_eq!(orders.len(), 1);
    let items = &orders[0].1.items;
    assert_eq!(
        (items[0].product_id.as_str(), items[0].quantity),
        ("p-runner", 2)
    );
    shop.stop().await;
}

#[tokio::test]
async fn asking_for_a_person_escalates_and_the_seller_stays_silent_until_resolved() {
    let mut shop = Shop::start().await;
    shop.start_seller(shop.config(None)).await;
    let chat = "tg:555";

    shop.say(chat, "quiero hablar con una persona").await;
    let mut types = vec![];
    for _ in 0..2 {
        types.push(cloudevents::AttributesReader::ty(&shop.next().await).to_owned());
    }
    types.sort();
    assert_eq!(types, ["store.chat.response", "store.sales.escalate"]);

    shop.say(chat, "¿hola? ¿alguien?").await;
    shop.silent(1500).await;
    let kept: i64 = sqlx::query_scalar("select count(*) from conversation_message where for_human")
        .fetch_one(&shop.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the message in between is kept for the human");

    shop.resolve(chat).await;
    shop.say(chat, "zapatillas").await;
    let (_, list) = shop.reply().await;
    assert!(list.contains("Zapatillas Runner Roja"), "{list}");
    shop.stop().await;
}

#[tokio::test]
async fn a_redelivered_message_is_answered_once() {
    let mut shop = Shop::start().await;
    shop.start_seller(shop.config(None)).await;
    let event = shop.say("wa:1", "zapatillas").await;
    shop.reply().await;

    // The same event again, as a broker redelivery would bring it.
    shop.bus.publish(event).await.unwrap();

    shop.silent(1500).await;
    let turns: i64 = sqlx::query_scalar("select count(*) from turn")
        .fetch_one(&shop.pool)
        .await
        .unwrap();
    assert_eq!(turns, 1);
    shop.stop().await;
}

#[tokio::test]
async fn three_replicas_answer_one_conversation_in_order() {
    let mut shop = Shop::start().await;
    for _ in 0..3 {
        shop.start_seller(shop.config(None)).await;
    }
    let chat = "wa:order";
    let mut sent = Vec::new();
    for word in [
        "zapatillas",
        "gorra",
        "classic",
        "runner",
        "zapatillas",
        "gorra",
    ] {
        let event = shop.say(chat, word).await;
        sent.push(
            store_events::decode::<store_events::data::ChatMessageNew>(&event)
                .unwrap()
                .channel_message_id,
        );
    }

    let mut answered = Vec::new();
    for _ in 0..sent.len() {
        let (response, _) = shop.reply().await;
        answered.push(response.reply_to_message_id.unwrap());
    }

    assert_eq!(answered, sent, "replies out of order");
    let stored: Vec<String> = sqlx::query_scalar(
        "select content from conversation_message where role = 'user' order by id",
    )
    .fetch_all(&shop.pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        [
            "zapatillas",
            "gorra",
            "classic",
            "runner",
            "zapatillas",
            "gorra"
        ]
    );
    shop.stop().await;
}
