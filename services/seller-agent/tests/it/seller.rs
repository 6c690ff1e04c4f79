//! The seller started as `main` starts it, alone on the bus (offline brain,
//! no catalog needed): it greets in the shopper's language as the brand's
//! seller, reports ready with its metrics labelled by brand, hands over to a
//! person and stays silent until handed back, answers a redelivered message
//! once, and drains when stopped.

use cloudevents::AttributesReader;

use crate::support::{TestSeller, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_greeting_is_answered_by_the_brands_seller_in_the_shoppers_language() {
    // Arrange
    let mut seller = TestSeller::spawn().await;

    // Act
    seller.say("wa:34600000009", "Hola!").await;
    let (response, greeting) = seller.reply().await;

    // Assert: the persona's seller, in Spanish, answering that message…
    assert!(
        greeting.contains("Soy Lía") && greeting.contains("Moda Lía"),
        "{greeting}"
    );
    assert!(response.reply_to_message_id.is_some());
    // …and the service is ready, its metrics named for the brand.
    let ready = seller
        .app
        .http
        .get(seller.app.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    // The turn is timed once its reply is published, so just after the
    // shopper got it.
    eventually("the turn is timed", || async {
        seller
            .app
            .metric(
                "seller_turn_duration_seconds_count",
                &[("brand", "fashion")],
            )
            .await
            == 1.0
    })
    .await;
    let metrics = seller
        .app
        .http
        .get(seller.app.operator_url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"service="seller-agent-demo-fashion""#),
        "{metrics}"
    );
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_a_person_hands_over_and_the_seller_is_silent_until_handed_back() {
    // Arrange
    let mut seller = TestSeller::spawn().await;
    let chat = "tg:556";

    // Act: the shopper asks for a person, then writes again.
    seller.say(chat, "quiero hablar con una persona").await;
    let mut types = vec![
        seller.next().await.ty().to_owned(),
        seller.next().await.ty().to_owned(),
    ];
    seller.say(chat, "¿hola? ¿alguien?").await;

    // Assert: told and escalated, then silent, the message kept for the
    // human…
    types.sort();
    assert_eq!(types, ["store.chat.response", "store.sales.escalate"]);
    seller.silent(1500).await;
    let kept: i64 = sqlx::query_scalar("select count(*) from conversation_message where for_human")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the message in between is kept for the human");

    // …until a human hands the conversation back.
    seller.hand_back(chat).await;
    seller.say(chat, "hola").await;
    let (_, answer) = seller.reply().await;
    assert!(!answer.is_empty());
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_message_is_answered_once() {
    // Arrange
    let mut seller = TestSeller::spawn().await;
    let event = seller.say("wa:2", "Hola!").await;
    seller.reply().await;

    // Act: the same event again, as a broker redelivery would bring it.
    seller.app.bus.publish(event).await.unwrap();

    // Assert
    seller.silent(1500).await;
    let turns: i64 = sqlx::query_scalar("select count(*) from turn")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();
    assert_eq!(turns, 1);
    seller.stop().await;
}
