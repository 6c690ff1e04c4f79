//! Parsing of the real Bot API updates in the repository's `fixtures/telegram`.
#![allow(clippy::unwrap_used)]

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../../fixtures/telegram/", $name, ".json"))
    };
}

fn parse(body: &[u8]) -> InboundMessage {
    parse_update("42", body).unwrap().unwrap()
}

#[test]
fn a_text_message_is_normalised_with_its_sender() {
    let message = parse(fixture!("text"));

    assert_eq!(
        message.content,
        MessageContent::Text {
            text: "aaaaaaaaaa".into()
        }
    );
    assert_eq!(message.dedup_key, "42:123456789");
    assert_eq!(message.account, "42");
    assert_eq!(message.chat, "12345678");
    assert_eq!(message.channel_message_id, "123456");
    assert_eq!(message.customer.id, "12345678");
    assert_eq!(message.customer.display_name.as_deref(), Some("Mario Bros"));
    assert_eq!(message.customer.language.as_deref(), Some("it"));
    assert!(!message.edited);
}

#[test]
fn an_edit_is_flagged_and_keeps_what_it_replied_to() {
    let message = parse(fixture!("edited_message"));

    assert!(message.edited);
    assert_eq!(message.reply_to.as_deref(), Some("23758"));
    assert_eq!(
        message.content,
        MessageContent::Text {
            text: "Editing this message".into()
        }
    );
}

#[test]
fn a_callback_query_is_an_interactive_reply_with_the_button_label() {
    let message = parse(fixture!("callback_query"));

    assert_eq!(
        message.content,
        MessageContent::InteractiveReply {
            reply_id: "thedata".into(),
            title: "thedata".into(),
            description: None
        }
    );
    assert_eq!(message.customer.id, "222222222");
    assert_eq!(message.chat, "222222222");
    assert_eq!(message.channel_message_id, "666728699048485871");
    assert_eq!(message.reply_to.as_deref(), Some("69587"));
}

#[test]
fn a_tap_on_a_product_photos_pick_button_answers_with_the_cards_pick_id() {
    // The photo a product card was sent as (`render::telegram_calls`), as
    // Telegram hands it back with the tap.
    let mut update: serde_json::Value = serde_json::from_slice(fixture!("callback_query")).unwrap();
    let message = &mut update["callback_query"]["message"];
    message.as_object_mut().unwrap().remove("text");
    message["photo"] = serde_json::json!([{ "file_id": "AgAC", "file_unique_id": "AQAD", "width": 320, "height": 320 }]);
    message["caption"] = "Classic T-shirt — R$ 49,90".into();
    message["reply_markup"] = serde_json::json!({
        "inline_keyboard": [[{ "text": "Pick", "callback_data": "pick:2" }]]
    });
    update["callback_query"]["data"] = "pick:2".into();

    let parsed = parse(&serde_json::to_vec(&update).unwrap());

    assert_eq!(
        parsed.content,
        MessageContent::InteractiveReply {
            reply_id: "pick:2".into(),
            title: "Pick".into(),
            description: None
        }
    );
}

#[test]
fn media_keep_file_id_mime_type_caption_and_name() {
    let photo = parse(fixture!("photo")).content;
    let voice = parse(fixture!("voice")).content;
    let document = parse(fixture!("document")).content;

    assert_eq!(
        photo,
        MessageContent::Media {
            media_kind: MediaKind::Image,
            media_id: Some("SEES".into()),
            url: None,
            mime_type: None,
            caption: Some("asdasdasdasdasdasd".into()),
            filename: None
        }
    );
    assert!(
        matches!(voice, MessageContent::Media { media_kind: MediaKind::Voice, ref mime_type, .. } if mime_type.as_deref() == Some("audio/ogg"))
    );
    assert!(
        matches!(document, MessageContent::Media { media_kind: MediaKind::Document, ref filename, .. } if filename.as_deref() == Some("document.pdf"))
    );
}

#[test]
fn locations_venues_and_contacts() {
    let location = parse(fixture!("location")).content;
    let venue = parse(fixture!("venue")).content;
    let contact = parse(fixture!("contact")).content;

    assert_eq!(
        location,
        MessageContent::Location {
            latitude: 41.899977,
            longitude: 12.501028,
            name: None,
            address: None
        }
    );
    assert!(
        matches!(venue, MessageContent::Location { ref name, .. } if name.as_deref() == Some("McDonald's"))
    );
    assert_eq!(
        contact,
        MessageContent::Contacts {
            contacts: vec![SharedContact {
                name: "911".into(),
                phones: vec!["911".into()]
            }]
        }
    );
}

#[test]
fn updates_that_are_not_shopper_messages_are_ignored_and_garbage_is_refused() {
    let member_change = parse_update("42", br#"{"update_id":5,"my_chat_member":{}}"#).unwrap();
    let garbage = parse_update("42", b"[1,2]").unwrap_err();

    assert!(member_change.is_none());
    assert!(garbage.0.contains("not a Telegram update"));
}
