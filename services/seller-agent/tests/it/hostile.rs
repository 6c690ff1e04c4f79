//! Hostile and odd shopper input through the seller as `main` starts it:
//! tapped list rows that were never shown (forged ids), NUL characters
//! (PostgreSQL refuses them in text), absurd quantities, and an order
//! processor slower than the seller's wait. Each is answered with a clear
//! sentence in the shopper's language; nothing is lost, dead-lettered or
//! ordered by mistake, and no text meant for the model reaches the shopper.

use std::time::Duration;

use seller_agent::brain::{lang::Lang, shop_phrases::shop_phrases};
use store_events::data::MessageContent;

use crate::{fake_shop::FakeShop, support::TestSeller};

fn tap(id: &str) -> MessageContent {
    MessageContent::InteractiveReply {
        reply_id: id.into(),
        title: "Classic Sneakers".into(),
        description: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tapped_row_that_was_never_shown_is_answered_not_dead_lettered() {
    // Arrange: nothing shown yet.
    let mut seller = TestSeller::spawn().await;
    let en = shop_phrases(Lang::En);

    for id in ["pick:0", "pick:1", "pick:99", "pick:18446744073709551615"] {
        // Act
        seller.send("web:forged", tap(id)).await;

        // Assert: told there is no list, every time.
        let (_, said) = seller.reply().await;
        assert_eq!(said, en.no_list, "{id}");
    }

    // With a list of two shown, a row beyond it says which numbers are on it.
    let _shop = FakeShop::open(&seller.app, Duration::ZERO).await;
    seller.say("web:listed", "sneakers").await;
    seller.reply().await;
    seller.send("web:listed", tap("pick:3")).await;
    let (_, said) = seller.reply().await;
    assert_eq!(said, en.not_on_list.replace("{n}", "2"));
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_with_nul_characters_is_stored_and_answered() {
    // Arrange
    let mut seller = TestSeller::spawn().await;

    // Act: NUL in the text and in the shopper's name.
    seller.say_as("wa:nul", "Ana\u{0}", "Hola\u{0}!").await;

    // Assert: answered (not retried into the dead letters), and kept
    // without the NUL.
    let (_, greeting) = seller.reply().await;
    assert!(greeting.contains("Lía"), "{greeting}");
    assert_eq!(seller.shopper_said("wa:nul").await, ["Hola!"]);
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_and_negative_quantities_are_refused_and_nothing_is_ordered() {
    // Arrange: a list shown.
    let mut seller = TestSeller::spawn().await;
    let shop = FakeShop::open(&seller.app, Duration::ZERO).await;
    let en = shop_phrases(Lang::En);
    let chat = "wa:absurd";
    seller.say(chat, "sneakers").await;
    seller.reply().await;

    for (text, refusal) in [
        (
            "(99999999999999999999) of 1",
            en.absurd.replace("{max}", "20"),
        ),
        ("4294967297 of 1", en.absurd.replace("{max}", "20")),
        ("(-3) of 1", en.negative.to_owned()),
    ] {
        // Act
        seller.say(chat, text).await;

        // Assert: refused, no order proposed…
        let (_, said) = seller.reply().await;
        assert_eq!(said, refusal, "{text}");
        seller.say(chat, "yes").await;
        seller.reply().await;
    }
    // …and none placed.
    assert_eq!(shop.placed(), 0);
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_confirmed_after_the_wait_is_told_as_being_placed_then_confirmed_once() {
    // Arrange: the seller waits 1 s for the order processor, which takes 3.
    let mut seller = TestSeller::spawn_configured(|config| {
        config.tool_timeout = Duration::from_secs(1);
    })
    .await;
    let shop = FakeShop::open(&seller.app, Duration::from_secs(3)).await;
    let en = shop_phrases(Lang::En);
    let chat = "wa:slow";
    seller.say(chat, "sneakers").await;
    seller.reply().await;
    seller.say(chat, "2 of 1").await;
    seller.reply().await;

    // Act
    seller.say(chat, "yes").await;

    // Assert: told the order is being placed, no text meant for the model…
    let (_, first) = seller.reply().await;
    assert_eq!(first, en.being_placed);
    // …then, once the order processor answers, exactly one confirmation
    // with the order's number.
    let (response, confirmation) = seller.reply().await;
    assert!(confirmation.contains("FA-1001"), "{confirmation}");
    assert!(
        !confirmation.to_lowercase().contains("shopper"),
        "{confirmation}"
    );
    assert!(response.reply_to_message_id.is_none());
    seller.silent(2_000).await;
    assert_eq!(shop.placed(), 1);
    seller.stop().await;
}
