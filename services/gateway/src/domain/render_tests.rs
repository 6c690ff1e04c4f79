//! Rendering replies for WhatsApp and Telegram.
#![allow(clippy::unwrap_used)]

use store_events::data::{
    common::Channel,
    response::{Button, ListRow, ListSection, ProductCard, Sender},
};

use super::*;

fn response(parts: Vec<ResponsePart>) -> ChatResponse {
    ChatResponse {
        channel: Channel::Whatsapp,
        recipient: "34600111222".into(),
        reply_to_message_id: Some("wamid.in".into()),
        sender: Sender::Ai,
        parts,
    }
}

#[test]
fn a_text_reply_quotes_the_shopper_message_on_whatsapp() {
    let bodies = whatsapp_messages(
        &response(vec![ResponsePart::Text {
            text: "Hello!".into(),
        }]),
        "34600111222",
        None,
    );

    assert_eq!(
        bodies,
        [json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "34600111222",
            "type": "text",
            "text": { "preview_url": false, "body": "Hello!" },
            "context": { "message_id": "wamid.in" },
        })]
    );
}

#[test]
fn buttons_and_lists_become_interactive_messages_within_whatsapp_limits() {
    let parts = vec![
        ResponsePart::Buttons {
            text: "Which size?".into(),
            buttons: vec![Button {
                id: "size:m".into(),
                title: "Medium (fits most people)".into(),
            }],
        },
        ResponsePart::List {
            text: "Pick a shop".into(),
            button_label: "Shops".into(),
            sections: vec![ListSection {
                title: "Demo".into(),
                rows: (0..12)
                    .map(|i| ListRow {
                        id: format!("r{i}"),
                        title: format!("Row {i}"),
                        description: None,
                    })
                    .collect(),
            }],
        },
    ];

    let bodies = whatsapp_messages(&response(parts), "1", None);

    assert_eq!(
        bodies[0]["interactive"]["action"]["buttons"][0]["reply"]["title"],
        "Medium (fits most p…"
    );
    assert_eq!(bodies[1]["interactive"]["type"], "list");
    assert_eq!(
        bodies[1]["interactive"]["action"]["sections"][0]["rows"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn a_long_text_becomes_several_messages_in_order() {
    let text = "A sentence that is long enough. ".repeat(300);

    let bodies = whatsapp_messages(
        &response(vec![ResponsePart::Text { text: text.clone() }]),
        "1",
        None,
    );
    let calls = telegram_calls(&response(vec![ResponsePart::Text { text }]), "5");

    assert_eq!(bodies.len(), 3);
    assert!(
        bodies
            .iter()
            .all(|b| b["text"]["body"].as_str().unwrap().len() <= 4096)
    );
    assert!(
        bodies[1].get("context").is_none(),
        "only the first message quotes"
    );
    assert_eq!(calls.len(), 3);
}

#[test]
fn telegram_gets_inline_keyboards_photos_and_a_numeric_chat_id() {
    let parts = vec![
        ResponsePart::Buttons {
            text: "Size?".into(),
            buttons: vec![Button {
                id: "m".into(),
                title: "M".into(),
            }],
        },
        ResponsePart::Image {
            url: "https://example.com/a.jpg".into(),
            caption: Some("Red dress".into()),
        },
    ];
    let mut r = response(parts);
    r.reply_to_message_id = Some("77".into());

    let calls = telegram_calls(&r, "12345");

    assert_eq!(calls[0].method, "sendMessage");
    assert_eq!(
        calls[0].payload,
        json!({
            "chat_id": 12345,
            "text": "Size?",
            "reply_markup": { "inline_keyboard": [[{ "text": "M", "callback_data": "m" }]] },
            "reply_parameters": { "message_id": 77, "allow_sending_without_reply": true },
        })
    );
    assert_eq!(calls[1].method, "sendPhoto");
    assert_eq!(
        calls[1].payload,
        json!({ "chat_id": 12345, "photo": "https://example.com/a.jpg", "caption": "Red dress" })
    );
}

#[test]
fn products_become_a_whatsapp_product_list_when_the_number_has_a_catalogue() {
    let part = ResponsePart::Products {
        text: Some("Our sneakers".into()),
        product_ids: vec!["sku-1".into(), "sku-2".into()],
    };

    let with = whatsapp_messages(&response(vec![part.clone()]), "1", Some("cat-9"));
    let without = whatsapp_messages(&response(vec![part]), "1", None);

    assert_eq!(with[0]["interactive"]["type"], "product_list");
    assert_eq!(with[0]["interactive"]["action"]["catalog_id"], "cat-9");
    assert_eq!(
        with[0]["interactive"]["action"]["sections"][0]["product_items"],
        json!([{ "product_retailer_id": "sku-1" }, { "product_retailer_id": "sku-2" }])
    );
    assert_eq!(without[0]["text"]["body"], "Our sneakers\nsku-1, sku-2");
}

fn cards(pictures: usize) -> ResponsePart {
    ResponsePart::ProductCards {
        text: "Here you are:\n1. Classic T-shirt — R$ 49,90\n2. Summer T-shirt — R$ 54,90".into(),
        button_label: "See products".into(),
        pick_label: "Pick".into(),
        cards: (1..=5)
            .map(|n| ProductCard {
                pick_id: format!("pick:{n}"),
                title: format!("Line {n} T-shirt with a long name"),
                price_display: format!("R$ {n}9,90"),
                image_url: (n <= pictures).then(|| format!("https://c.example/images/T{n}.svg")),
                description: None,
            })
            .collect(),
    }
}

#[test]
fn product_cards_on_whatsapp_are_captioned_pictures_then_the_list_to_pick_from() {
    let bodies = whatsapp_messages(&response(vec![cards(4)]), "1", None);

    // Three pictures at most, then one list with every card.
    assert_eq!(bodies.len(), MAX_CARD_PICTURES + 1);
    assert_eq!(bodies[0]["type"], "image");
    assert_eq!(
        bodies[0]["image"],
        json!({ "link": "https://c.example/images/T1.svg",
                "caption": "Line 1 T-shirt with a long name — R$ 19,90" })
    );
    assert_eq!(bodies[0]["context"]["message_id"], "wamid.in");
    assert_eq!(
        bodies[2]["image"]["link"],
        "https://c.example/images/T3.svg"
    );
    let list = &bodies[3]["interactive"];
    assert_eq!(list["type"], "list");
    assert!(
        list["body"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Here you are:")
    );
    let rows = list["action"]["sections"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[4],
        json!({ "id": "pick:5", "title": "Line 5 T-shirt with a l…", "description": "R$ 59,90" })
    );
}

#[test]
fn product_cards_without_pictures_are_the_list_alone_on_whatsapp() {
    let bodies = whatsapp_messages(&response(vec![cards(0)]), "1", None);

    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["interactive"]["type"], "list");
    assert_eq!(bodies[0]["context"]["message_id"], "wamid.in");
}

#[test]
fn product_cards_on_telegram_are_photos_each_with_a_pick_button_then_the_rest() {
    let mut r = response(vec![cards(2)]);
    r.reply_to_message_id = Some("77".into());

    let calls = telegram_calls(&r, "12345");

    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].method, "sendPhoto");
    assert_eq!(
        calls[0].payload,
        json!({
            "chat_id": 12345,
            "photo": "https://c.example/images/T1.svg",
            "caption": "Line 1 T-shirt with a long name — R$ 19,90",
            "reply_markup": { "inline_keyboard": [[{ "text": "Pick", "callback_data": "pick:1" }]] },
            "reply_parameters": { "message_id": 77, "allow_sending_without_reply": true },
        })
    );
    assert_eq!(
        calls[1].payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "pick:2"
    );
    // The text, with a button for each card that had no photo.
    assert_eq!(calls[2].method, "sendMessage");
    let keyboard = calls[2].payload["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap();
    let picks: Vec<&str> = keyboard
        .iter()
        .map(|row| row[0]["callback_data"].as_str().unwrap())
        .collect();
    assert_eq!(picks, ["pick:3", "pick:4", "pick:5"]);
    assert_eq!(
        keyboard[0][0]["text"],
        "Line 3 T-shirt with a long name — R$ 39,90"
    );
}

#[test]
fn product_cards_all_pictured_on_telegram_end_with_the_plain_text() {
    let calls = telegram_calls(&response(vec![cards(5)]), "5");

    assert_eq!(calls.len(), MAX_CARD_PICTURES + 1);
    let last = calls.last().unwrap();
    assert_eq!(last.method, "sendMessage");
    // Pictures for three; the other two are picked from the text's keyboard.
    assert_eq!(
        last.payload["reply_markup"]["inline_keyboard"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
