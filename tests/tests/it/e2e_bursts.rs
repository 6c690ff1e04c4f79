//! End to end over WhatsApp: a shopper who types one thought in three quick
//! messages, through the real gateway and seller (offline brain, the
//! default burst window), gets one answer, to the last message, that
//! understood all three.

use std::time::Duration;

use serde_json::Value;
use store_tests::store::{REPLY_TIMEOUT, Store, text_of, wait_for, whatsapp_text};

/// The message id (`wamid`) of a WhatsApp webhook body.
fn wamid(body: &[u8]) -> String {
    let body: Value = serde_json::from_slice(body).expect("webhook JSON");
    body["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        .as_str()
        .expect("message id")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_quick_whatsapp_messages_get_one_answer() {
    let shop = Store::start_with_env(None, &[("SELLER_BURST_WINDOW_MS", "2000")]).await;
    let shopper = "5511990000077";

    // "hi" / "looking for" / "sneakers", each webhook as Meta sends it.
    let mut last = String::new();
    for text in ["hi", "looking for", "sneakers"] {
        let body = whatsapp_text(shopper, text);
        last = wamid(&body);
        let response = shop.post_whatsapp(body).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }

    // One answer: the Graph API got one reply (its first message quotes the
    // shopper's last one; a reply of several parts quotes it once)…
    wait_for("an answer", 1, REPLY_TIMEOUT, || {
        shop.whatsapp_bodies(shopper)
    })
    .await;
    // …and nothing more, well past the window.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let sent = shop.whatsapp_bodies(shopper).await;
    let replies: Vec<&Value> = sent.iter().filter(|b| b.get("context").is_some()).collect();
    assert_eq!(replies.len(), 1, "one answer for the burst: {sent:#?}");
    assert_eq!(replies[0]["context"]["message_id"], last.as_str());
    // It understood the three as one: sneakers, not a greeting per message.
    // (Texts, list rows, captions: wherever the products are.)
    let said = serde_json::to_string(&sent).expect("JSON").to_lowercase();
    assert!(
        said.contains("sneaker"),
        "{}",
        sent.iter().map(text_of).collect::<Vec<_>>().join("\n")
    );

    shop.stop().await;
}
