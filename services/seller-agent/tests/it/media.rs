//! What the seller does with what is not typed text, started as `main`
//! starts it: a voice note is fetched from a fake gateway on the bus
//! (`store.chat.media.fetch`) and transcribed by a fake OpenAI-compatible
//! `/audio/transcriptions` server (which checks the real multipart upload:
//! the audio bytes, the model), and the transcript is answered as the
//! shopper's message; when transcription fails or is not configured, the
//! shopper is asked politely to type, in their language, with no error
//! text; pictures, stickers, emoji, locations and contacts get a fixed reply
//! and never an internal placeholder; 👍 while an order waits for
//! confirmation places it.

use std::{path::PathBuf, time::Duration};

use base64::Engine as _;
use cloudevents::{AttributesReader, Event};
use seller_agent::{Application, Config, transcription::TranscribeConfig};
use store_bus::{
    ConsumerConfig, ConsumerHandle, HandlerError, Incoming, RequestHandler, Responder,
};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{
        Channel, ChatMediaFetch, ChatMediaFetchResult, ChatMessageNew, ChatResponse, Currency,
        Customer, ErrorDetail, MediaKind, MessageContent, Money, ProductQueryResult,
        ProductSummary, ResponsePart, SharedContact,
    },
    decode, new_event,
};
use store_testkit::{TestApp, TestEnv};
use tokio::sync::mpsc;
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

const TENANT: &str = "demo";
const BRAND: &str = "fashion";
const TENANTS_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../config/tenants.demo.yaml"
);
/// The voice note the fake gateway serves (an Ogg page and noise).
const VOICE: &[u8] = b"OggS\x00\x02\x00\x00voice-note-bytes\x01\x02\x03\xff";
/// Words an error text would have.
const ERROR_WORDS: [&str; 6] = [
    "error",
    "500",
    "[",
    "unavailable",
    "transcri",
    "without text",
];

/// The seller with `transcribe`, a fake gateway answering media fetches and
/// a fake catalog, and a shopper hearing its replies and order requests.
struct Shop {
    app: TestApp,
    heard: mpsc::UnboundedReceiver<Event>,
    _fakes: [ConsumerHandle; 2],
}

/// The fake gateway: serves [`VOICE`] for media id `voice-1`, refuses others.
struct FakeGateway;

#[async_trait::async_trait]
impl RequestHandler for FakeGateway {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let asked: ChatMediaFetch = decode(&request.event)?;
        let found = asked.media_id == "voice-1";
        let result = ChatMediaFetchResult {
            media_id: asked.media_id,
            mime_type: found.then(|| "audio/ogg; codecs=opus".to_owned()),
            data_base64: found.then(|| base64::engine::general_purpose::STANDARD.encode(VOICE)),
            size_bytes: found.then_some(VOICE.len() as u64),
            error: (!found).then(|| ErrorDetail {
                code: "not_found".into(),
                message: "no such media".into(),
            }),
        };
        new_event(
            "/fake-gateway",
            &EventContext::caused_by(&request.event)?,
            &result,
        )
        .map_err(HandlerError::reject)
    }
}

/// The fake catalog: one pair of sneakers, whatever is asked.
struct FakeCatalog;

#[async_trait::async_trait]
impl RequestHandler for FakeCatalog {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let result = ProductQueryResult {
            products: vec![ProductSummary {
                product_id: "p-sneaker".into(),
                variant_id: Some("v-42".into()),
                sku: "SNK-42".into(),
                name: "Runner Sneakers".into(),
                description: None,
                price: Money::new(19_990, Currency::parse("BRL").unwrap()),
                stock: 5,
                in_stock: true,
                image_url: None,
                attributes: Default::default(),
            }],
            total: 1,
            error: None,
        };
        new_event(
            "/fake-catalog",
            &EventContext::caused_by(&request.event)?,
            &result,
        )
        .map_err(HandlerError::reject)
    }
}

impl Shop {
    async fn start(transcribe: Option<TranscribeConfig>) -> Self {
        let app = TestApp::spawn("seller-agent", |env: TestEnv| async move {
            let mut config = Config::for_tests(
                TenantId::parse(TENANT)?,
                BrandId::parse(BRAND)?,
                env.database_url,
                env.bus,
                PathBuf::from(TENANTS_FILE),
            );
            config.transcribe = transcribe;
            config.tool_timeout = Duration::from_secs(2);
            Application::build(config).await
        })
        .await
        .unwrap();
        let gateway = app
            .bus
            .consume(
                ConsumerConfig::new(
                    format!("{}.fake-gateway", app.exchange),
                    ["store.chat.media.fetch.#"],
                )
                .with_retry_delays([]),
                Responder::new(app.bus.clone(), FakeGateway),
                app.shutdown_token().child_token(),
            )
            .await
            .unwrap();
        let catalog = app
            .bus
            .consume(
                ConsumerConfig::new(
                    format!("{}.fake-catalog", app.exchange),
                    ["store.product.query.#"],
                )
                .with_retry_delays([]),
                Responder::new(app.bus.clone(), FakeCatalog),
                app.shutdown_token().child_token(),
            )
            .await
            .unwrap();
        let heard = app
            .watch([
                "store.chat.response.#",
                "store.sales.escalate.#",
                "store.order.create.#",
            ])
            .await
            .unwrap();
        Self {
            app,
            heard,
            _fakes: [gateway, catalog],
        }
    }

    /// Publishes a message of `content` from the shopper of `conversation`.
    async fn send(&self, conversation: &str, content: MessageContent) {
        let message = ChatMessageNew {
            message_id: uuid::Uuid::new_v4().to_string(),
            channel: Channel::Whatsapp,
            channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
            customer: Customer {
                id: format!("cust-{conversation}"),
                display_name: Some("Ana".into()),
                phone: None,
                language: None,
            },
            sent_at: chrono::Utc::now(),
            content,
            reply_to: None,
            edited: false,
        };
        let context = EventContext::new(TenantId::parse(TENANT).unwrap())
            .with_brand(BrandId::parse(BRAND).unwrap())
            .with_conversation(ConversationId::parse(conversation).unwrap());
        let event = new_event("/gateway", &context, &message).unwrap();
        self.app.bus.publish(event).await.unwrap();
    }

    async fn say(&self, conversation: &str, text: &str) {
        self.send(conversation, MessageContent::Text { text: text.into() })
            .await;
    }

    /// The next event of type `ty` the shopper side heard, valid.
    async fn next(&mut self, ty: &str) -> Event {
        loop {
            let event = tokio::time::timeout(Duration::from_secs(20), self.heard.recv())
                .await
                .unwrap_or_else(|_| panic!("no {ty} within 20 s"))
                .unwrap();
            store_events::validation::validate(&event).unwrap();
            if event.ty() == ty {
                return event;
            }
        }
    }

    /// The text of the seller's next reply.
    async fn reply(&mut self) -> String {
        let response: ChatResponse = decode(&self.next("store.chat.response").await).unwrap();
        response
            .parts
            .iter()
            .filter_map(|p| match p {
                ResponsePart::Text { text } => Some(text.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// What the memory keeps of the shopper's messages in `conversation`.
    async fn remembered(&self, conversation: &str) -> Vec<String> {
        sqlx::query_scalar(
            "select content from conversation_message where conversation_id = $1 and role = 'user' order by id",
        )
        .bind(conversation)
        .fetch_all(&self.app.pool)
        .await
        .unwrap()
    }
}

fn voice(media_id: &str) -> MessageContent {
    MessageContent::Media {
        media_kind: MediaKind::Voice,
        media_id: Some(media_id.into()),
        url: None,
        mime_type: Some("audio/ogg; codecs=opus".into()),
        caption: None,
        filename: None,
    }
}

fn picture(kind: MediaKind) -> MessageContent {
    MessageContent::Media {
        media_kind: kind,
        media_id: Some("media-9".into()),
        url: None,
        mime_type: Some("image/webp".into()),
        caption: None,
        filename: None,
    }
}

fn assert_no_error_text(reply: &str) {
    let lower = reply.to_lowercase();
    for word in ERROR_WORDS {
        assert!(!lower.contains(word), "{word:?} in {reply:?}");
    }
}

/// Whether a multipart body holds the form field `name` with `value`.
fn has_field(body: &[u8], name: &str, value: &str) -> bool {
    let body = String::from_utf8_lossy(body);
    body.split("--")
        .any(|part| part.contains(&format!("name=\"{name}\"")) && part.trim_end().ends_with(value))
}

/// A fake speech-to-text server: 200 with `text` for an upload with the
/// voice note's bytes as `file` and the model `whisper-1`, 400 otherwise.
async fn fake_transcriber(text: &'static str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/v1/audio/transcriptions"))
        .and(matchers::header("authorization", "Bearer test-stt-key"))
        .respond_with(move |request: &Request| {
            let body = &request.body;
            let multipart = request
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("multipart/form-data; boundary="));
            let has_audio = body.windows(VOICE.len()).any(|w| w == VOICE);
            let named =
                String::from_utf8_lossy(body).contains("name=\"file\"; filename=\"voice.ogg\"");
            if multipart && has_audio && named && has_field(body, "model", "whisper-1") {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({ "text": text }))
            } else {
                ResponseTemplate::new(400).set_body_json(serde_json::json!({
                    "error": { "message": "bad upload", "type": "invalid_request_error" }
                }))
            }
        })
        .mount(&server)
        .await;
    server
}

fn transcribe_at(server: &MockServer) -> TranscribeConfig {
    let mut config = TranscribeConfig::new(format!("{}/v1", server.uri()));
    config.api_key = Some("test-stt-key".to_owned().into());
    config.timeout = Duration::from_secs(3);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_note_is_transcribed_and_answered_as_the_shoppers_words() {
    let stt = fake_transcriber("  Quiero hablar con una persona, por favor  ").await;
    let mut shop = Shop::start(Some(transcribe_at(&stt))).await;
    let conversation = "whatsapp:1122334455667:5511990000101";

    shop.send(conversation, voice("voice-1")).await;
    let reply = shop.reply().await;

    // The transcript asked for a person, in Spanish: handed over, in Spanish.
    assert_eq!(
        reply,
        "Te paso con un compañero, que te responderá aquí en breve."
    );
    shop.next("store.sales.escalate").await;
    assert_eq!(
        shop.remembered(conversation).await,
        ["Quiero hablar con una persona, por favor"]
    );
    let uploads = stt.received_requests().await.unwrap();
    assert_eq!(uploads.len(), 1);
    assert!(has_field(&uploads[0].body, "model", "whisper-1"));
    shop.app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_note_that_cannot_be_transcribed_gets_a_polite_request_to_type() {
    let failing = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error: model crashed"))
        .mount(&failing)
        .await;
    let mut shop = Shop::start(Some(transcribe_at(&failing))).await;
    let conversation = "whatsapp:1122334455667:5511990000102";

    // Spanish remembered from an earlier message; then the server fails, and
    // then the gateway does not have the media.
    shop.say(conversation, "hola").await;
    shop.reply().await;
    shop.send(conversation, voice("voice-1")).await;
    let failed = shop.reply().await;
    shop.send(conversation, voice("gone")).await;
    let missing = shop.reply().await;

    for reply in [&failed, &missing] {
        assert_eq!(
            reply,
            "Perdona, ahora mismo no puedo escuchar audios: ¿puedes escribirme qué buscas?"
        );
        assert_no_error_text(reply);
    }
    assert_eq!(failing.received_requests().await.unwrap().len(), 1);
    shop.app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_transcription_a_voice_note_is_asked_to_be_typed() {
    let mut shop = Shop::start(None).await;
    let conversation = "whatsapp:1122334455667:5511990000103";

    shop.send(conversation, voice("voice-1")).await;
    let reply = shop.reply().await;

    assert_eq!(
        reply,
        "Sorry, I can't listen to voice messages right now — could you type what you're looking for?"
    );
    assert_eq!(
        shop.remembered(conversation).await,
        ["[the shopper sent a voice note that could not be transcribed]"]
    );
    shop.app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_stickers_emoji_locations_and_contacts_get_a_sensible_reply() {
    let mut shop = Shop::start(None).await;
    let conversation = "whatsapp:1122334455667:5511990000104";

    shop.send(conversation, picture(MediaKind::Image)).await;
    let image = shop.reply().await;
    shop.send(conversation, picture(MediaKind::Sticker)).await;
    let sticker = shop.reply().await;
    shop.say(conversation, "❤️❤️").await;
    let hearts = shop.reply().await;
    shop.send(
        conversation,
        MessageContent::Location {
            latitude: -23.561,
            longitude: -46.656,
            name: Some("MASP".into()),
            address: None,
        },
    )
    .await;
    let location = shop.reply().await;
    shop.send(
        conversation,
        MessageContent::Contacts {
            contacts: vec![SharedContact {
                name: "Bruno".into(),
                phones: vec!["+55 11 98888-0000".into()],
            }],
        },
    )
    .await;
    let contact = shop.reply().await;

    assert_eq!(
        image,
        "I can't see images yet — tell me what you're looking for, or send the product's name."
    );
    assert!(sticker.contains("What are you looking for"), "{sticker}");
    assert_eq!(hearts, sticker, "emoji only is not a search");
    // The fashion persona delivers to Brazil and Portugal.
    assert_eq!(
        location,
        "Thanks for sharing your location! We deliver to: Brazil, Portugal. What are you looking for?"
    );
    assert!(contact.contains("got the contact"), "{contact}");
    for reply in [&image, &sticker, &hearts, &location, &contact] {
        assert_no_error_text(reply);
        assert!(!reply.contains("couldn't find"), "{reply}");
    }
    assert_eq!(
        shop.remembered(conversation).await,
        [
            "[the shopper sent a picture without text]",
            "[the shopper sent a sticker]",
            "❤️❤️",
            "[the shopper shared a location: MASP]",
            "[the shopper shared a contact: Bruno]",
        ]
    );
    shop.app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thumbs_up_while_an_order_waits_is_a_yes_and_otherwise_a_question() {
    let mut shop = Shop::start(None).await;
    let conversation = "whatsapp:1122334455667:5511990000105";

    shop.say(conversation, "👍").await;
    let nothing_waits = shop.reply().await;
    shop.say(conversation, "sneakers").await;
    // The products come as a list or cards, not only as text.
    let listing = serde_json::to_string(&shop.next("store.chat.response").await).unwrap();
    shop.say(conversation, "1").await;
    let confirm = serde_json::to_string(&shop.next("store.chat.response").await).unwrap();
    shop.say(conversation, "👍🏽").await;
    let order = shop.next("store.order.create").await;

    assert!(
        nothing_waits.contains("What are you looking for"),
        "{nothing_waits}"
    );
    assert!(listing.contains("Runner Sneakers"), "{listing}");
    assert!(confirm.contains("Shall I place the order?"), "{confirm}");
    let order: serde_json::Value = serde_json::to_value(&order).unwrap()["data"].clone();
    assert_eq!(order["items"][0]["product_id"], "p-sneaker", "{order}");
    assert_eq!(order["items"][0]["quantity"], 1, "{order}");
    shop.app.stop().await.unwrap();
}
