//! A seller's `store.chat.media.fetch`, answered by the real gateway from a
//! fake Graph API (the media id's url, then the bytes, each with the
//! number's bearer token) and a fake Bot API (`getFile`, then the file):
//! the bytes arrive base64 with their MIME type; a media over the cap, one
//! the channel does not know and one of another tenant's number are
//! answered with an error, never silence.

use std::time::Duration;

use base64::Engine as _;
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{Channel, ChatMediaFetch, ChatMediaFetchResult},
    decode, new_event,
};
use wiremock::{Mock, ResponseTemplate, matchers};

use crate::support::{ACCESS_TOKEN, Options, SINGLE_NUMBER, TG_TOKEN, TestApp};

/// A voice note's bytes (an Ogg page header and some noise).
fn voice_bytes(len: usize) -> Vec<u8> {
    let mut bytes = b"OggS\0\x02".to_vec();
    bytes.extend((0..len.saturating_sub(6)).map(|i| (i * 7 % 251) as u8));
    bytes
}

/// Only the test's own requests: no other event on its queue.
fn quiet() -> Options {
    Options {
        bindings: Some(vec!["nothing.to.see".to_owned()]),
        ..Options::default()
    }
}

/// Asks the gateway for `media_id` in `conversation` of tenant `tenant`, as
/// a seller does; the reply, valid against its schema.
async fn fetch(
    app: &TestApp,
    tenant: &str,
    conversation: &str,
    channel: Channel,
    media_id: &str,
) -> ChatMediaFetchResult {
    let context = EventContext::new(TenantId::parse(tenant).unwrap())
        .with_brand(BrandId::parse("fashion").unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap());
    let request = ChatMediaFetch {
        channel,
        media_id: media_id.to_owned(),
    };
    let event = new_event("/seller-agent-test", &context, &request).unwrap();
    let reply = app
        .bus
        .request(event, Duration::from_secs(15))
        .await
        .expect("the gateway answers a media fetch");
    store_events::validation::validate(&reply).unwrap();
    decode(&reply).unwrap()
}

fn decoded(result: &ChatMediaFetchResult) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(result.data_base64.as_deref().expect("data"))
        .unwrap()
}

#[tokio::test]
async fn a_whatsapp_voice_note_is_downloaded_with_the_numbers_token() {
    let app = TestApp::spawn_with(quiet()).await;
    let audio = voice_bytes(6448);
    let media_url = format!("{}/lookaside/voice-1234", app.whatsapp_api.uri());
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v21.0/1234567890987654321"))
        .and(matchers::header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "messaging_product": "whatsapp",
            "url": media_url,
            "mime_type": "audio/ogg; codecs=opus",
            "sha256": "m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=",
            "file_size": audio.len(),
            "id": "1234567890987654321",
        })))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/lookaside/voice-1234"))
        .and(matchers::header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/ogg")
                .set_body_bytes(audio.clone()),
        )
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;

    let result = fetch(
        &app,
        "shop",
        &format!("whatsapp:{SINGLE_NUMBER}:972987654321"),
        Channel::Whatsapp,
        "1234567890987654321",
    )
    .await;

    assert_eq!(result.error, None);
    assert_eq!(decoded(&result), audio);
    assert_eq!(result.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
    assert_eq!(result.size_bytes, Some(audio.len() as u64));
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_telegram_voice_note_is_downloaded_through_get_file() {
    let app = TestApp::spawn_with(quiet()).await;
    let audio = voice_bytes(3000);
    Mock::given(matchers::method("GET"))
        .and(matchers::path(format!("/bot{TG_TOKEN}/getFile")))
        .and(matchers::query_param("file_id", "dfghjjghdjhgd"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "ok": true,
            "result": {
                "file_id": "dfghjjghdjhgd",
                "file_unique_id": "ghjhjg",
                "file_size": audio.len(),
                "file_path": "voice/file_7.oga",
            },
        })))
        .expect(1)
        .mount(&app.telegram_api)
        .await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path(format!(
            "/file/bot{TG_TOKEN}/voice/file_7.oga"
        )))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/octet-stream")
                .set_body_bytes(audio.clone()),
        )
        .expect(1)
        .mount(&app.telegram_api)
        .await;

    let result = fetch(
        &app,
        "shop",
        "telegram:7000000001:12345",
        Channel::Telegram,
        "dfghjjghdjhgd",
    )
    .await;

    assert_eq!(result.error, None);
    assert_eq!(decoded(&result), audio);
    // The Bot API serves files as octet-stream: no type rather than a wrong one.
    assert_eq!(result.mime_type, None);
    app.telegram_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn media_over_the_cap_is_refused_whether_announced_or_not() {
    let app = TestApp::spawn_with(Options {
        configure: Some(|config| config.media_max_bytes = 1000),
        ..quiet()
    })
    .await;
    let uri = app.whatsapp_api.uri();
    // Announced too large: never downloaded.
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v21.0/111"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "url": format!("{uri}/lookaside/big"), "mime_type": "audio/ogg", "file_size": 5000,
        })))
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(matchers::path("/lookaside/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(voice_bytes(5000)))
        .expect(0)
        .mount(&app.whatsapp_api)
        .await;
    // Size not announced: cut off while reading.
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v21.0/222"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "url": format!("{uri}/lookaside/quiet"), "mime_type": "audio/ogg",
        })))
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(matchers::path("/lookaside/quiet"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(voice_bytes(4000)))
        .mount(&app.whatsapp_api)
        .await;
    let conversation = format!("whatsapp:{SINGLE_NUMBER}:972987654321");

    let announced = fetch(&app, "shop", &conversation, Channel::Whatsapp, "111").await;
    let streamed = fetch(&app, "shop", &conversation, Channel::Whatsapp, "222").await;

    assert_eq!(announced.error.as_ref().unwrap().code, "too_large");
    assert_eq!(announced.size_bytes, Some(5000));
    assert_eq!(announced.data_base64, None);
    assert_eq!(streamed.error.as_ref().unwrap().code, "too_large");
    assert_eq!(streamed.data_base64, None);
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_media_and_other_tenants_numbers_get_an_error_without_the_token() {
    let app = TestApp::spawn_with(quiet()).await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v21.0/999"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": { "message": "Unsupported get request.", "code": 100 },
        })))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;

    let unknown = fetch(
        &app,
        "shop",
        &format!("whatsapp:{SINGLE_NUMBER}:972987654321"),
        Channel::Whatsapp,
        "999",
    )
    .await;
    // The number of tenant `other`, asked for as tenant `shop`.
    let foreign = fetch(
        &app,
        "shop",
        "whatsapp:200000000000001:972987654321",
        Channel::Whatsapp,
        "999",
    )
    .await;
    let webchat = fetch(&app, "shop", "webchat:shop:s1", Channel::Webchat, "999").await;

    let error = unknown.error.unwrap();
    assert_eq!(error.code, "not_found");
    assert!(
        error.message.contains("Unsupported get request"),
        "{error:?}"
    );
    assert!(!error.message.contains(ACCESS_TOKEN));
    assert_eq!(foreign.error.unwrap().code, "unknown_account");
    assert_eq!(webchat.error.unwrap().code, "unsupported_channel");
    app.whatsapp_api.verify().await;
    app.stop().await;
}
