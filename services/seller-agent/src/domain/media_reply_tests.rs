#![allow(clippy::unwrap_used)]

use store_events::data::SharedContact;
use store_tenancy::TenantsFile;

use super::*;

const LANGS: [&str; 6] = ["en", "es", "pt-BR", "fr", "de", "it"];

fn persona(areas: &str) -> Persona {
    let file = TenantsFile::parse(&format!(
        "tenants:\n  - id: t\n    name: T\n    brands:\n      - id: b\n        name: B\n        persona:\n          seller_name: Lía\n          brand_name: Moda\n          tone: warm\n          greeting: hi\n          delivery_areas: [{areas}]\n"
    ))
    .unwrap();
    file.persona("t", "b").cloned().unwrap()
}

fn media(kind: MediaKind, caption: Option<&str>) -> MessageContent {
    MessageContent::Media {
        media_kind: kind,
        media_id: Some("1234567890987654321".into()),
        url: None,
        mime_type: Some("audio/ogg; codecs=opus".into()),
        caption: caption.map(Into::into),
        filename: None,
    }
}

fn every_fixed() -> Vec<Fixed> {
    vec![
        Fixed::Image,
        Fixed::Video,
        Fixed::Document(Some("cv.pdf".into())),
        Fixed::Sticker,
        Fixed::Emoji("❤️❤️".into()),
        Fixed::Location("Av. Paulista, 1000".into()),
        Fixed::Contacts(vec!["Ana".into()]),
        Fixed::Unsupported("poll".into()),
        Fixed::Voice,
    ]
}

#[test]
fn emoji_only_text_is_told_from_text_with_emoji() {
    for only in ["👍", "❤️❤️", "👍🏽", "🇧🇷", "😂 !!", " 🙏 ", "👨‍👩‍👧", "⭐⭐⭐"]
    {
        assert!(is_emoji_only(only), "{only:?} is emoji only");
    }
    for text in [
        "1",
        "ok 👍",
        "👍 2",
        "",
        "  ",
        "?",
        "1️⃣",
        "sneakers ❤️",
        "\u{FE0F}",
    ] {
        assert!(!is_emoji_only(text), "{text:?} is not emoji only");
    }
}

#[test]
fn thumbs_up_and_ok_approve_hearts_and_thumbs_down_do_not() {
    for yes in ["👍", "👍🏽", "👌", "✅", "👍❤️", "🆗"] {
        assert_eq!(approves(yes), Approval(true), "{yes:?}");
    }
    for no in ["❤️", "😂", "👎", "👍👎", "❌"] {
        assert_eq!(approves(no), Approval(false), "{no:?}");
    }
}

#[test]
fn a_caption_is_the_message_and_media_without_one_are_fixed() {
    assert_eq!(
        read(&media(MediaKind::Image, Some("do you have this in red?"))),
        Reading::Text {
            text: "do you have this in red?".into(),
            reply_id: None
        }
    );
    assert_eq!(
        read(&media(MediaKind::Image, Some("  "))),
        Reading::Fixed(Fixed::Image)
    );
    assert_eq!(
        read(&media(MediaKind::Image, Some("😍"))),
        Reading::Emoji("😍".into())
    );
    assert_eq!(
        read(&media(MediaKind::Sticker, None)),
        Reading::Fixed(Fixed::Sticker)
    );
    assert_eq!(
        read(&media(MediaKind::Video, None)),
        Reading::Fixed(Fixed::Video)
    );
    assert_eq!(
        read(&media(MediaKind::Voice, None)),
        Reading::Voice {
            media_id: Some("1234567890987654321".into()),
            mime_type: Some("audio/ogg; codecs=opus".into())
        }
    );
    assert!(matches!(
        read(&media(MediaKind::Audio, None)),
        Reading::Voice { .. }
    ));
    assert_eq!(
        read(&MessageContent::Text {
            text: "👍".into()
        }),
        Reading::Emoji("👍".into())
    );
}

#[test]
fn locations_contacts_and_the_unsupported_are_fixed_and_described() {
    let named = read(&MessageContent::Location {
        latitude: -23.561,
        longitude: -46.656,
        name: Some("MASP".into()),
        address: Some("Av. Paulista, 1578".into()),
    });
    let bare = read(&MessageContent::Location {
        latitude: -23.561,
        longitude: -46.656,
        name: None,
        address: None,
    });
    let contacts = read(&MessageContent::Contacts {
        contacts: vec![SharedContact {
            name: "Ana Souza".into(),
            phones: vec!["+55 11 99999-0000".into()],
        }],
    });

    assert_eq!(
        named,
        Reading::Fixed(Fixed::Location("MASP, Av. Paulista, 1578".into()))
    );
    assert_eq!(
        bare,
        Reading::Fixed(Fixed::Location("-23.56100, -46.65600".into()))
    );
    let Reading::Fixed(contacts) = contacts else {
        panic!("{contacts:?}")
    };
    assert_eq!(
        memory(&contacts),
        "[the shopper shared a contact: Ana Souza]"
    );
    assert_eq!(
        read(&MessageContent::Unsupported {
            original_kind: "poll".into(),
            detail: None
        }),
        Reading::Fixed(Fixed::Unsupported("poll".into()))
    );
}

#[test]
fn every_sentence_exists_in_every_language_and_is_never_a_placeholder() {
    let shop = persona("Spain, Portugal");
    for fixed in every_fixed() {
        let english = sentence(&fixed, "en", &shop);
        for lang in LANGS {
            let said = sentence(&fixed, lang, &shop);
            assert!(!said.trim().is_empty(), "{fixed:?} in {lang}");
            assert!(
                !said.contains('[') && !said.contains("without text"),
                "{fixed:?} in {lang}: {said}"
            );
            if lang != "en" {
                assert_ne!(said, english, "{fixed:?} has its own {lang} sentence");
            }
        }
    }
    assert_eq!(
        sentence(&Fixed::Image, "pt-BR", &shop),
        sentence(&Fixed::Image, "pt", &shop)
    );
    assert_eq!(
        sentence(&Fixed::Image, "ja", &shop),
        sentence(&Fixed::Image, "en", &shop)
    );
}

#[test]
fn a_location_is_answered_with_where_the_shop_delivers_when_it_says() {
    let place = Fixed::Location("MASP".into());

    let delivers = sentence(&place, "es", &persona("Spain, Portugal"));
    let silent = sentence(&place, "es", &persona(""));

    assert_eq!(
        delivers,
        "¡Gracias por compartir tu ubicación! Hacemos envíos a: Spain, Portugal. ¿Qué estás buscando?"
    );
    assert_eq!(
        silent,
        "¡Gracias por compartir tu ubicación! ¿Qué estás buscando?"
    );
}
