//! Samples of the channel and chat events: raw inbound and outbound,
//! statuses, shopper messages and replies.

use serde_json::json;
use store_events::data::*;

use super::{CHANNELS, Samples, at, bare_customer, full_customer, push};

pub fn add(samples: &mut Samples) {
    raw(samples);
    messages(samples);
    responses(samples);
}

fn raw(samples: &mut Samples) {
    push(
        samples,
        "text webhook value",
        WhatsAppMessageReceived {
            phone_number_id: "106540352242922".into(),
            message_id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=".into(),
            received_at: at(),
            payload: json!({
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                "contacts": [{"profile": {"name": "Ana"}, "wa_id": "5511999990000"}],
                "messages": [{"from": "5511999990000", "id": "wamid.X", "timestamp": "1710428966", "type": "text", "text": {"body": "oi"}}]
            }),
        },
    );
    push(
        samples,
        "message update",
        TelegramMessageReceived {
            bot_id: "7000000001".into(),
            update_id: "843201".into(),
            received_at: at(),
            payload: json!({"update_id": 843201, "message": {"message_id": 12, "chat": {"id": 42, "type": "private"}, "date": 1710428966, "text": "hi"}}),
        },
    );
    push(
        samples,
        "delivered, minimal",
        WhatsAppMessageStatus {
            phone_number_id: "106540352242922".into(),
            message_id: "wamid.Y".into(),
            recipient_id: "5511999990000".into(),
            status: WhatsAppStatus::Delivered,
            timestamp: at(),
            errors: vec![],
            conversation: None,
            pricing: None,
        },
    );
    push(
        samples,
        "failed, everything",
        WhatsAppMessageStatus {
            phone_number_id: "106540352242922".into(),
            message_id: "wamid.Z".into(),
            recipient_id: "5511999990000".into(),
            status: WhatsAppStatus::Failed,
            timestamp: at(),
            errors: vec![
                WhatsAppError {
                    code: 131047,
                    title: "Re-engagement message".into(),
                    message: Some("Re-engagement message".into()),
                    details: Some("More than 24 hours have passed".into()),
                },
                WhatsAppError {
                    code: 131000,
                    title: "Something went wrong".into(),
                    message: None,
                    details: None,
                },
            ],
            conversation: Some(json!({"id": "c1", "origin": {"type": "service"}})),
            pricing: Some(json!({"billable": true, "category": "service", "pricing_model": "CBP"})),
        },
    );
    for status in [
        WhatsAppStatus::Sent,
        WhatsAppStatus::Read,
        WhatsAppStatus::Played,
        WhatsAppStatus::Deleted,
        WhatsAppStatus::Warning,
    ] {
        push(
            samples,
            &format!("{status:?}"),
            WhatsAppMessageStatus {
                phone_number_id: "106540352242922".into(),
                message_id: "wamid.W".into(),
                recipient_id: "5511999990000".into(),
                status,
                timestamp: at(),
                errors: vec![],
                conversation: None,
                pricing: None,
            },
        );
    }
}

fn contents() -> Vec<(String, MessageContent)> {
    let media = |media_kind, full: bool| MessageContent::Media {
        media_kind,
        media_id: full.then(|| "1234567890".into()),
        url: full.then(|| "https://lookaside.example.com/m/1".into()),
        mime_type: full.then(|| "image/jpeg".into()),
        caption: full.then(|| "this one?".into()),
        filename: full.then(|| "photo.jpg".into()),
    };
    let contents: Vec<(&str, MessageContent)> = vec![
        (
            "text",
            MessageContent::Text {
                text: "Do you have this dress in M?".into(),
            },
        ),
        ("media, all fields", media(MediaKind::Image, true)),
        (
            "location, all fields",
            MessageContent::Location {
                latitude: -23.5505,
                longitude: -46.6333,
                name: Some("Loja Centro".into()),
                address: Some("Praça da Sé, São Paulo".into()),
            },
        ),
        (
            "location, bare",
            MessageContent::Location {
                latitude: 90.0,
                longitude: -180.0,
                name: None,
                address: None,
            },
        ),
        (
            "contacts",
            MessageContent::Contacts {
                contacts: vec![
                    SharedContact {
                        name: "Bia".into(),
                        phones: vec!["+5511988887777".into()],
                    },
                    SharedContact {
                        name: "Caio".into(),
                        phones: vec![],
                    },
                ],
            },
        ),
        (
            "interactive reply, all fields",
            MessageContent::InteractiveReply {
                reply_id: "size-m".into(),
                title: "M".into(),
                description: Some("Medium".into()),
            },
        ),
        (
            "interactive reply, bare",
            MessageContent::InteractiveReply {
                reply_id: "yes".into(),
                title: "Yes".into(),
                description: None,
            },
        ),
        (
            "reaction",
            MessageContent::Reaction {
                emoji: Some("❤️".into()),
                target_message_id: "wamid.A".into(),
            },
        ),
        (
            "reaction removed",
            MessageContent::Reaction {
                emoji: None,
                target_message_id: "wamid.A".into(),
            },
        ),
        (
            "unsupported, detail",
            MessageContent::Unsupported {
                original_kind: "order".into(),
                detail: Some("catalog order".into()),
            },
        ),
        (
            "unsupported, bare",
            MessageContent::Unsupported {
                original_kind: "poll".into(),
                detail: None,
            },
        ),
    ];
    let mut contents: Vec<(String, MessageContent)> = contents
        .into_iter()
        .map(|(label, content)| (label.to_owned(), content))
        .collect();
    for kind in [
        MediaKind::Audio,
        MediaKind::Video,
        MediaKind::Document,
        MediaKind::Sticker,
        MediaKind::Voice,
    ] {
        contents.push((format!("media {kind:?}, bare"), media(kind, false)));
    }
    contents
}

fn messages(samples: &mut Samples) {
    for (i, (label, content)) in contents().into_iter().enumerate() {
        let full = i % 2 == 0;
        push(
            samples,
            &label,
            ChatMessageNew {
                message_id: format!("0195a1b2-0000-7000-8000-{i:012}"),
                channel: CHANNELS[i % CHANNELS.len()],
                channel_message_id: format!("wamid.{i}"),
                customer: if full {
                    full_customer()
                } else {
                    bare_customer()
                },
                sent_at: at(),
                content,
                reply_to: full.then(|| "wamid.earlier".into()),
                edited: i % 3 == 0,
            },
        );
    }
}

fn parts() -> Vec<(&'static str, ResponsePart)> {
    vec![
        (
            "text",
            ResponsePart::Text {
                text: "Temos sim!".into(),
            },
        ),
        (
            "buttons",
            ResponsePart::Buttons {
                text: "Which size?".into(),
                buttons: ["S", "M", "L"]
                    .iter()
                    .map(|s| Button {
                        id: format!("size-{s}"),
                        title: (*s).into(),
                    })
                    .collect(),
            },
        ),
        (
            "list",
            ResponsePart::List {
                text: "Pick a colour".into(),
                button_label: "Colours".into(),
                sections: vec![ListSection {
                    title: "In stock".into(),
                    rows: vec![
                        ListRow {
                            id: "red".into(),
                            title: "Red".into(),
                            description: Some("Vermelho".into()),
                        },
                        ListRow {
                            id: "blue".into(),
                            title: "Blue".into(),
                            description: None,
                        },
                    ],
                }],
            },
        ),
        (
            "image with caption",
            ResponsePart::Image {
                url: "https://cdn.example.com/p/1.jpg".into(),
                caption: Some("Vestido".into()),
            },
        ),
        (
            "image bare",
            ResponsePart::Image {
                url: "https://cdn.example.com/p/2.jpg".into(),
                caption: None,
            },
        ),
        (
            "products with text",
            ResponsePart::Products {
                text: Some("You may like".into()),
                product_ids: vec!["p1".into(), "p2".into()],
            },
        ),
        (
            "products bare",
            ResponsePart::Products {
                text: None,
                product_ids: vec!["p1".into()],
            },
        ),
        (
            "product cards",
            ResponsePart::ProductCards {
                text: "Here is what I found:\n1. Classic T-shirt — R$ 49,90".into(),
                button_label: "See products".into(),
                pick_label: "Pick".into(),
                cards: vec![
                    ProductCard {
                        pick_id: "pick:1".into(),
                        title: "Classic T-shirt (M)".into(),
                        price_display: "R$ 49,90".into(),
                        image_url: Some(
                            "https://catalog.example.com/images/FASHION-0101.svg".into(),
                        ),
                        description: Some("7 in stock".into()),
                    },
                    ProductCard {
                        pick_id: "pick:2".into(),
                        title: "Sourdough Bread".into(),
                        price_display: "R$ 18,00".into(),
                        image_url: None,
                        description: None,
                    },
                ],
            },
        ),
    ]
}

fn responses(samples: &mut Samples) {
    let senders = [Sender::Ai, Sender::Human, Sender::System];
    for (i, (label, part)) in parts().into_iter().enumerate() {
        push(
            samples,
            label,
            ChatResponse {
                channel: CHANNELS[i % CHANNELS.len()],
                recipient: "5511999990000".into(),
                reply_to_message_id: (i % 2 == 0).then(|| "wamid.Q".into()),
                sender: senders[i % senders.len()],
                parts: vec![part],
            },
        );
    }
    push(
        samples,
        "several parts",
        ChatResponse {
            channel: Channel::Telegram,
            recipient: "42".into(),
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: parts().into_iter().map(|(_, part)| part).collect(),
        },
    );
}
