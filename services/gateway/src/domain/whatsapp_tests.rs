//! Parsing of the real Cloud API payloads in the repository's `fixtures/whatsapp`.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use store_events::data::{channel::WhatsAppStatus, chat::MediaKind};

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../../fixtures/whatsapp/", $name, ".json"))
    };
}

fn one(body: &[u8]) -> InboundMessage {
    let mut delivery = parse_webhook(body).unwrap();
    assert_eq!(delivery.messages.len(), 1);
    delivery.messages.remove(0)
}

#[test]
fn a_text_message_is_normalised_with_its_sender() {
    let message = one(fixture!("text"));

    assert_eq!(
        message.content,
        MessageContent::Text {
            text: "Body Text".into()
        }
    );
    assert_eq!(message.account, "1122334455667");
    assert_eq!(message.chat, "972987654321");
    assert_eq!(message.dedup_key, "wamid.xyzxyz");
    assert_eq!(message.customer.display_name.as_deref(), Some("Test Name"));
    assert_eq!(message.customer.phone.as_deref(), Some("+972987654321"));
    assert_eq!(
        message.sent_at,
        Utc.timestamp_opt(1_697_043_223, 0).unwrap()
    );
    assert_eq!(message.reply_to, None);
    assert_eq!(message.raw["metadata"]["phone_number_id"], "1122334455667");
}

#[test]
fn a_reply_keeps_the_quoted_message_id() {
    let message = one(fixture!("text_reply_context"));

    assert_eq!(message.reply_to.as_deref(), Some("wamid.xyzxyz=="));
}

#[test]
fn media_kinds_keep_id_mime_type_caption_and_file_name() {
    // (payload, kind, media id, caption, file name)
    type Case = (
        &'static [u8],
        MediaKind,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: [Case; 5] = [
        (fixture!("image"), MediaKind::Image, "65463453", None, None),
        (
            fixture!("video"),
            MediaKind::Video,
            "765756756",
            Some("caption"),
            None,
        ),
        (
            fixture!("document"),
            MediaKind::Document,
            "1234567890987654321",
            Some("caption"),
            Some("filename.pdf"),
        ),
        (
            fixture!("sticker_animated"),
            MediaKind::Sticker,
            "1234567890987654321",
            None,
            None,
        ),
        (
            fixture!("audio_voice"),
            MediaKind::Voice,
            "1234567890987654321",
            None,
            None,
        ),
    ];
    for (body, kind, id, caption, filename) in cases {
        let MessageContent::Media {
            media_kind,
            media_id,
            mime_type,
            caption: c,
            filename: f,
            ..
        } = one(body).content
        else {
            panic!("not media");
        };
        assert_eq!(media_kind, kind);
        assert_eq!(media_id.as_deref(), Some(id));
        assert!(mime_type.is_some());
        assert_eq!(c.as_deref(), caption);
        assert_eq!(f.as_deref(), filename);
    }
    let MessageContent::Media { media_kind, .. } = one(fixture!("audio")).content else {
        panic!("not media");
    };
    assert_eq!(media_kind, MediaKind::Audio);
}

#[test]
fn interactive_and_button_replies_become_interactive_replies() {
    let list = one(fixture!("interactive_list_reply_description")).content;
    let button = one(fixture!("interactive_button_reply")).content;
    let template_button = one(fixture!("button")).content;

    assert_eq!(
        list,
        MessageContent::InteractiveReply {
            reply_id: "callback_data".into(),
            title: "title".into(),
            description: Some("description".into())
        }
    );
    assert!(
        matches!(button, MessageContent::InteractiveReply { ref reply_id, .. } if reply_id == "callback_data")
    );
    assert!(
        matches!(template_button, MessageContent::InteractiveReply { ref title, .. } if title == "title")
    );
}

#[test]
fn locations_contacts_and_reactions() {
    let chosen = one(fixture!("location_chosen")).content;
    let contacts = one(fixture!("contacts")).content;
    let reaction = one(fixture!("reaction")).content;
    let removed = one(fixture!("reaction_removed")).content;

    assert_eq!(
        chosen,
        MessageContent::Location {
            latitude: 37.4611978,
            longitude: -122.2164385,
            name: Some("Facebook HQ".into()),
            address: Some("1 Hacker Way, Menlo Park, CA 94025".into())
        }
    );
    let MessageContent::Contacts { contacts } = contacts else {
        panic!("not contacts")
    };
    assert_eq!(contacts.len(), 3);
    assert_eq!(contacts[0].name, "Chandler Bing");
    assert_eq!(contacts[0].phones, ["+1 555-555-5555"]);
    assert_eq!(
        reaction,
        MessageContent::Reaction {
            emoji: Some("😮".into()),
            target_message_id: "wamid.yzxyzx=".into()
        }
    );
    assert_eq!(
        removed,
        MessageContent::Reaction {
            emoji: None,
            target_message_id: "wamid.yzxyzx=".into()
        }
    );
}

#[test]
fn unknown_and_unreadable_kinds_are_kept_as_unsupported() {
    let unsupported = one(fixture!("unsupported_with_type")).content;
    let order = one(fixture!("order")).content;
    let broken_interactive = one(fixture!("interactive_with_error")).content;

    assert_eq!(
        unsupported,
        MessageContent::Unsupported {
            original_kind: "pool".into(),
            detail: Some("Message type is currently not supported.".into())
        }
    );
    assert!(
        matches!(order, MessageContent::Unsupported { ref original_kind, detail: Some(ref d) }
        if original_kind == "order" && d.contains("3 × HAMBURGER"))
    );
    assert!(
        matches!(broken_interactive, MessageContent::Unsupported { ref original_kind, .. } if original_kind == "interactive")
    );
}

#[test]
fn statuses_keep_errors_conversation_and_pricing() {
    let failed = parse_webhook(fixture!("status_failed")).unwrap().statuses;
    let sent = parse_webhook(fixture!("status_sent")).unwrap().statuses;

    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, WhatsAppStatus::Failed);
    assert_eq!(failed[0].errors[0].code, 130472);
    assert!(
        failed[0].errors[0]
            .details
            .as_deref()
            .unwrap()
            .contains("experiment")
    );
    assert_eq!(sent[0].status, WhatsAppStatus::Sent);
    assert_eq!(sent[0].recipient_id, "972987654321");
    assert_eq!(sent[0].pricing.as_ref().unwrap()["category"], "service");
    assert!(sent[0].conversation.is_some());
}

#[test]
fn every_fixture_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/whatsapp");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let delivery = parse_webhook(&std::fs::read(&path).unwrap());
        let delivery = delivery.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            delivery.messages.len() + delivery.statuses.len(),
            1,
            "{}",
            path.display()
        );
    }
}

#[test]
fn bad_payloads_are_refused_with_a_reason() {
    let not_json = parse_webhook(b"{").unwrap_err();
    let other_object = parse_webhook(br#"{"object":"page","entry":[]}"#).unwrap_err();
    let no_metadata = parse_webhook(
        br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{}}]}]}"#,
    )
    .unwrap_err();

    assert!(not_json.0.contains("not a WhatsApp webhook"));
    assert!(other_object.0.contains("page"));
    assert!(no_metadata.0.contains("metadata"));
}

/// A delivery of `n` texts, from `n` senders, each with its contact.
fn batch(n: usize) -> Vec<u8> {
    let messages: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({ "from": format!("3460000{i:04}"), "id": format!("wamid.{i}"),
            "timestamp": "1700000000", "type": "text", "text": { "body": "hi" } })
        })
        .collect();
    let contacts: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({ "profile": { "name": format!("Shopper {i}") }, "wa_id": format!("3460000{i:04}") }))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "1", "phone_number_id": "1122334455667" },
            "contacts": contacts, "messages": messages, "statuses": [],
        } }] }]
    }))
    .unwrap()
}

#[test]
fn each_message_of_a_batch_keeps_only_its_own_part_of_the_delivery() {
    let body = batch(500);

    let delivery = parse_webhook(&body).unwrap();

    // Linear: the raw payloads together are about the size of the body,
    // not 500 copies of it.
    let raw_bytes: usize = delivery
        .messages
        .iter()
        .map(|m| serde_json::to_vec(&m.raw).unwrap().len())
        .sum();
    assert!(
        raw_bytes < 3 * body.len(),
        "{raw_bytes} bytes of raw payloads for a {} byte body",
        body.len()
    );
    let m = &delivery.messages[321];
    assert_eq!(m.raw["messages"].as_array().unwrap().len(), 1);
    assert_eq!(m.raw["messages"][0]["id"], "wamid.321");
    assert_eq!(m.raw["contacts"][0]["wa_id"], "34600000321");
    assert_eq!(m.raw["metadata"]["phone_number_id"], "1122334455667");
    assert_eq!(m.raw["messaging_product"], "whatsapp");
    assert_eq!(m.customer.display_name.as_deref(), Some("Shopper 321"));
}

#[test]
fn control_characters_are_stripped_from_a_messages_text_and_raw() {
    let body = batch(1);
    let body = String::from_utf8(body)
        .unwrap()
        .replace("\"body\":\"hi\"", "\"body\":\"h\\u0000i\\u001b\\n\"");

    let message = one(body.as_bytes());

    assert_eq!(
        message.content,
        MessageContent::Text {
            text: "hi\n".into()
        }
    );
    assert_eq!(message.raw["messages"][0]["text"]["body"], "hi\n");
}
