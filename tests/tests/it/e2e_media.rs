//! End to end, a voice note: a WhatsApp voice-note webhook (the shared
//! fixture's shape) through the real gateway to the seller, which asks the
//! gateway for the audio (`store.chat.media.fetch`; the gateway downloads it
//! from the fake Graph API with the number's token), has it transcribed by a
//! fake OpenAI-compatible `/audio/transcriptions` server and answers the
//! transcript: the reply the fake Graph API records lists sneakers.

use serde_json::json;
use store_tests::store::{Store, whatsapp_from_fixture};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

/// The voice note's bytes (an Ogg page header and some noise).
const VOICE: &[u8] = b"OggS\x00\x02\x00\x00\x00\x00e2e-voice-note\x07\x08\x09\xfe";
/// The media id of the voice note.
const MEDIA_ID: &str = "9988776655443322";

/// A WhatsApp voice note webhook from `wa_id`, shaped exactly like the shared
/// `whatsapp/audio_voice.json` fixture, with this media id.
fn whatsapp_voice(wa_id: &str, media_id: &str) -> Vec<u8> {
    whatsapp_from_fixture("whatsapp/audio_voice.json", wa_id, |message| {
        message["audio"]["id"] = json!(media_id);
    })
}

/// A speech-to-text server that hears "show me sneakers" in an upload
/// holding [`VOICE`] and the model, and refuses anything else.
async fn fake_transcriber() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/v1/audio/transcriptions"))
        .and(matchers::header("authorization", "Bearer e2e-stt-key"))
        .respond_with(|request: &Request| {
            let text = String::from_utf8_lossy(&request.body);
            let audio = request.body.windows(VOICE.len()).any(|w| w == VOICE);
            if audio && text.contains("name=\"model\"") && text.contains("whisper-1") {
                ResponseTemplate::new(200).set_body_json(json!({ "text": "show me sneakers" }))
            } else {
                ResponseTemplate::new(400)
                    .set_body_json(json!({ "error": { "message": "bad upload" } }))
            }
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whatsapp_voice_note_is_transcribed_and_answered() {
    let stt = fake_transcriber().await;
    let stt_url = format!("{}/v1", stt.uri());
    let shop = Store::start_with_env(
        None,
        &[
            ("TRANSCRIBE_BASE_URL", stt_url.as_str()),
            ("TRANSCRIBE_API_KEY", "e2e-stt-key"),
        ],
    )
    .await;
    // The Graph API's media endpoints: the media id's url, then the bytes,
    // each only with the number's access token.
    let media_url = format!("{}/whatsapp-media/{MEDIA_ID}", shop.whatsapp.uri());
    Mock::given(matchers::method("GET"))
        .and(matchers::path(format!("/{MEDIA_ID}")))
        .and(matchers::header("authorization", "Bearer e2e-access-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "url": media_url,
            "mime_type": "audio/ogg; codecs=opus",
            "file_size": VOICE.len(),
            "id": MEDIA_ID,
        })))
        .mount(&shop.whatsapp)
        .await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path(format!("/whatsapp-media/{MEDIA_ID}")))
        .and(matchers::header("authorization", "Bearer e2e-access-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/ogg")
                .set_body_bytes(VOICE),
        )
        .mount(&shop.whatsapp)
        .await;
    let shopper = "5511990000077";

    let response = shop.post_whatsapp(whatsapp_voice(shopper, MEDIA_ID)).await;
    assert_eq!(response.status(), 200);
    let replies = shop.replies(0, || shop.whatsapp_texts(shopper)).await;

    let listing = replies.join("\n");
    assert!(listing.to_lowercase().contains("sneaker"), "{listing}");
    assert!(listing.contains(" BRL"), "prices quoted: {listing}");
    assert_eq!(
        stt.received_requests().await.unwrap_or_default().len(),
        1,
        "transcribed once"
    );
    shop.stop().await;
}
