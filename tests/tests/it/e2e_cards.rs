//! End to end, product cards: a WhatsApp shopper asking for a product gets,
//! through the real gateway, seller (offline brain) and catalog, pictures
//! the catalog serves (captioned with name and price) and then the list to
//! pick from, as the fake Graph API records them; a picture's URL fetches
//! a PNG from the catalog, and picking from the list works like typing the
//! number.

use serde_json::{Value, json};
use store_tests::store::{Store, whatsapp_from_fixture};

/// The shopper's tap on list row `id` titled `title`, shaped like the
/// shared `whatsapp/interactive_list_reply.json` fixture.
fn list_reply(wa_id: &str, id: &str, title: &str) -> Vec<u8> {
    whatsapp_from_fixture("whatsapp/interactive_list_reply.json", wa_id, |message| {
        message["interactive"]["list_reply"] = json!({ "id": id, "title": title });
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whatsapp_product_reply_is_captioned_pictures_from_the_catalog_then_a_list() {
    let shop = Store::start().await;
    let shopper = "5511990000077";
    shop.whatsapp_say(shopper, "hi").await;
    let before = shop.whatsapp_bodies(shopper).await.len();

    let found = shop.whatsapp_say(shopper, "show me sneakers").await;

    let bodies: Vec<Value> = shop.whatsapp_bodies(shopper).await.split_off(before);
    assert_eq!(bodies.len(), found.len());
    let pictures: Vec<&Value> = bodies.iter().filter(|b| b["type"] == "image").collect();
    assert!(!pictures.is_empty(), "no picture sent: {bodies:#?}");
    let images = format!("{}/images/demo/FASHION-", shop.catalog());
    for picture in &pictures {
        let link = picture["image"]["link"].as_str().unwrap_or_default();
        assert!(
            link.starts_with(&images) && link.ends_with(".png"),
            "{link}"
        );
        let caption = picture["image"]["caption"].as_str().unwrap_or_default();
        assert!(
            caption.to_lowercase().contains("sneaker") && caption.contains("BRL"),
            "name — price: {caption}"
        );
    }
    // The pictures come first, the list to pick from last.
    let list = bodies.last().expect("a message");
    assert_eq!(list["interactive"]["type"], "list", "{list:#}");
    let rows = list["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(rows.len() >= pictures.len(), "{rows:#?}");
    assert_eq!(rows[0]["id"], "pick:1");
    // Each captioned price is the one the list (from the catalog) shows.
    for (picture, row) in pictures.iter().zip(&rows) {
        let caption = picture["image"]["caption"].as_str().unwrap_or_default();
        let price = row["description"].as_str().unwrap_or("?");
        assert!(caption.ends_with(price), "{caption} vs {price}");
    }

    // The catalog serves the picture WhatsApp would fetch.
    let link = pictures[0]["image"]["link"].as_str().unwrap_or_default();
    let response = reqwest::get(link).await.expect("the catalog answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");

    // Picking the first from the list proposes it at the pictured price.
    let before = shop.whatsapp_texts(shopper).await.len();
    let tap = list_reply(shopper, "pick:1", rows[0]["title"].as_str().unwrap_or("?"));
    assert_eq!(shop.post_whatsapp(tap).await.status(), 200);
    let proposal = shop
        .replies(before, || shop.whatsapp_texts(shopper))
        .await
        .join("\n");
    let price = rows[0]["description"].as_str().unwrap_or("?");
    assert!(proposal.contains(price), "{price} in {proposal}");

    shop.stop().await;
}
