//! Samples of the media a seller fetches through the gateway: the request
//! on each channel with media, the media, and each kind of refusal.

use store_events::data::*;

use super::{Samples, push};

pub fn add(samples: &mut Samples) {
    for channel in [Channel::Whatsapp, Channel::Telegram] {
        push(
            samples,
            &format!("a voice note on {channel:?}"),
            ChatMediaFetch {
                channel,
                media_id: "1234567890987654321".into(),
            },
        );
    }
    push(
        samples,
        "the media",
        ChatMediaFetchResult {
            media_id: "1234567890987654321".into(),
            mime_type: Some("audio/ogg; codecs=opus".into()),
            data_base64: Some("T2dnUwACAAAAAAAAAAA=".into()),
            size_bytes: Some(14),
            error: None,
        },
    );
    for (code, size) in [
        ("too_large", Some(MAX_MEDIA_BYTES + 1)),
        ("not_found", None),
        ("unavailable", None),
    ] {
        push(
            samples,
            code,
            ChatMediaFetchResult {
                media_id: "dfghjjghdjhgd".into(),
                mime_type: None,
                data_base64: None,
                size_bytes: size,
                error: Some(ErrorDetail {
                    code: code.into(),
                    message: format!("media {code}"),
                }),
            },
        );
    }
}
