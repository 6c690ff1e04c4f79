//! Rendering replies for WhatsApp and Telegram.
#![allow(clippy::unwrap_used)]

use store_events::data::{
    common::Channel,
    response::{Button, ListRow, ListSection, Sender},
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
