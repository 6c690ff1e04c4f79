//! The offline brain end to end in the real shop (the catalog seeded with
//! the demo catalog and the order processor): a Spanish shopper greets,
//! finds sneakers in an English catalog, orders two at the catalog's price;
//! handoff and silence until resolved; redeliveries; three replicas keeping
//! one conversation's order.

use crate::support::{TestShop, display};
use cloudevents::AttributesReader;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shopper_finds_a_product_orders_two_and_gets_the_shops_total() {
    // Arrange
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(None)).await;
    let chat = "wa:34600000001";

    // Act
    shop.say(chat, "Hola!").await;
    let (_, greeting) = shop.reply().await;
    shop.say(chat, "quiero zapatillas").await;
    let (_, list) = shop.reply().await;
    shop.say(chat, "2 del 1").await;
    let (_, confirm) = shop.reply().await;
    shop.say(chat, "sí").await;
    let (_, placed) = shop.reply().await;

    // Assert: a greeting in the shopper's language from the brand's seller…
    assert!(
        greeting.contains("Soy Lía") && greeting.contains("Moda Lía"),
        "{greeting}"
    );
    // …sneakers found from a Spanish word in an English catalog…
    assert!(
        list.contains("Sneakers") && list.contains("en stock"),
        "{list}"
    );
    let first = list.lines().nth(1).unwrap();
    let name = first[3..first.find(" — ").unwrap()].to_owned();
    assert!(confirm.contains(&format!("2 × {name} a ")), "{confirm}");
    // …and an order of two at the catalog's price, with the shop's total.
    let orders = shop.orders(chat).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    let order = &orders[0];
    let (product, variant, quantity, unit) = order.lines[0].clone();
    assert_eq!(quantity, 2);
    assert_eq!(unit, shop.catalog_price(&product, variant.as_deref()).await);
    assert_eq!(order.total_minor, 2 * unit);
    assert!(placed.contains(&order.number), "{placed}");
    assert!(
        placed.contains(&format!(
            "Total: {}",
            display(order.total_minor, &order.currency)
        )),
        "{placed}"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn asking_for_a_person_escalates_and_the_seller_stays_silent_until_resolved() {
    // Arrange
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(None)).await;
    let chat = "tg:555";

    // Act
    shop.say(chat, "quiero hablar con una persona").await;
    let mut types = vec![];
    for _ in 0..2 {
        types.push(shop.next_from_seller().await.ty().to_owned());
    }
    shop.say(chat, "¿hola? ¿alguien?").await;

    // Assert
    types.sort();
    assert_eq!(types, ["store.chat.response", "store.sales.escalate"]);
    shop.silent(1500).await;
    let kept: i64 = sqlx::query_scalar("select count(*) from conversation_message where for_human")
        .fetch_one(&shop.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the message in between is kept for the human");

    shop.resolve(chat).await;
    shop.say(chat, "zapatillas").await;
    let (_, list) = shop.reply().await;
    assert!(list.contains("Sneakers"), "{list}");
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redelivered_message_is_answered_once() {
    // Arrange
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(None)).await;
    let event = shop.say("wa:1", "sneakers").await;
    shop.reply().await;

    // Act: the same event again, as a broker redelivery would bring it.
    shop.inner.bus.publish(event).await.unwrap();

    // Assert
    shop.silent(1500).await;
    let turns: i64 = sqlx::query_scalar("select count(*) from turn")
        .fetch_one(&shop.pool)
        .await
        .unwrap();
    assert_eq!(turns, 1);
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_answer_one_conversation_in_order() {
    // Arrange
    let mut shop = TestShop::start().await;
    for _ in 0..3 {
        shop.start_seller(shop.config(None)).await;
    }
    let chat = "wa:order";
    let words = ["sneakers", "hoodie", "jeans", "scarf", "dress", "t-shirt"];

    // Act
    let mut sent = Vec::new();
    for word in words {
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

    // Assert
    assert_eq!(answered, sent, "replies out of order");
    let stored: Vec<String> = sqlx::query_scalar(
        "select content from conversation_message where role = 'user' order by id",
    )
    .fetch_all(&shop.pool)
    .await
    .unwrap();
    assert_eq!(stored, words);
    shop.stop().await;
}
