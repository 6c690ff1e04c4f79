//! Message bursts: a shopper's messages within the burst window are
//! answered once, as one turn, in order — with one replica or two, after
//! redeliveries, after a crash (the sweeper finds what no timer will), and
//! never over a human; a tap is answered at once; with no window each
//! message is answered as before. A fake catalog answers the searches.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use cloudevents::{AttributesReader, Event};
use store_bus::{ConsumerConfig, HandlerError, Incoming, RequestHandler, Responder};
use store_events::{
    EventContext,
    data::{
        ChatResponse, Currency, MessageContent, Money, ProductQuery, ProductQueryResult,
        ProductSummary, Sender,
    },
    decode, new_event,
};
use tokio_util::sync::CancellationToken;

use crate::support::{TestSeller, context, eventually};

/// A catalog with one pair of sneakers, which remembers what it was asked.
#[derive(Clone, Default)]
struct FakeCatalog(Arc<Mutex<Vec<String>>>);

impl FakeCatalog {
    /// Answers the seller's product queries on its bus until `stop`.
    async fn start(seller: &TestSeller, stop: CancellationToken) -> Self {
        let catalog = Self::default();
        seller
            .app
            .bus
            .consume(
                ConsumerConfig::new(
                    format!("{}.fake-catalog", seller.app.exchange),
                    ["store.product.query.#"],
                ),
                Responder::new(seller.app.bus.clone(), catalog.clone()),
                stop,
            )
            .await
            .unwrap();
        catalog
    }

    fn queries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl RequestHandler for FakeCatalog {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let query: ProductQuery = decode(&request.event)?;
        self.0
            .lock()
            .unwrap()
            .push(query.text.clone().unwrap_or_default());
        let result = ProductQueryResult {
            products: vec![ProductSummary {
                product_id: "p-nube".into(),
                variant_id: None,
                sku: "NUBE-42".into(),
                name: "Nube running sneakers".into(),
                description: None,
                price: Money {
                    amount_minor: 8_900,
                    currency: Currency::parse("EUR").unwrap(),
                },
                stock: 7,
                in_stock: true,
                image_url: None,
                attributes: Default::default(),
            }],
            total: 1,
            error: None,
        };
        let context = EventContext::caused_by(&request.event)?;
        new_event("/fake-catalog", &context, &result).map_err(HandlerError::reject)
    }
}

/// Everything the reply says, buttons and lists included.
fn said(response: &ChatResponse) -> String {
    serde_json::to_string(&response.parts).unwrap()
}

fn channel_message_id(event: &Event) -> String {
    decode::<store_events::data::ChatMessageNew>(event)
        .unwrap()
        .channel_message_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_quick_messages_are_answered_once_as_one_turn_in_order() {
    // Arrange
    let mut seller = TestSeller::spawn_bursting(Duration::from_millis(1500)).await;
    let stop = CancellationToken::new();
    let catalog = FakeCatalog::start(&seller, stop.clone()).await;
    let chat = "wa:34600000201";

    // Act: "hi", "looking for", "sneakers", as quickly as one types them.
    seller.say(chat, "hi").await;
    seller.say(chat, "looking for").await;
    let last = seller.say(chat, "sneakers").await;
    let (response, _) = seller.reply().await;

    // Assert: one reply, to the last message, listing sneakers (alone,
    // "hi" and "looking for" would each have got a greeting)…
    assert_eq!(
        response.reply_to_message_id,
        Some(channel_message_id(&last))
    );
    assert!(
        said(&response).contains("Nube running sneakers"),
        "{response:?}"
    );
    assert_eq!(catalog.queries(), ["sneakers"]);
    seller.silent(2500).await;
    // …one turn, the messages remembered in the order they were written.
    assert_eq!(seller.turns().await, 1);
    assert_eq!(
        seller.shopper_said(chat).await,
        ["hi", "looking for", "sneakers"]
    );
    assert_eq!(
        seller
            .app
            .metric(
                "seller_burst_messages_merged_total",
                &[("brand", "fashion")]
            )
            .await,
        3.0
    );
    stop.cancel();
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_answer_each_burst_once() {
    // Arrange: two sellers of the brand on the same queues and database.
    let mut seller = TestSeller::spawn_bursting(Duration::from_millis(800)).await;
    seller.start_replica().await;
    let chats: Vec<String> = (0..4).map(|i| format!("wa:3460000030{i}")).collect();

    // Act: a burst of three in each of four conversations.
    for text in ["hola", "buenas", "¿qué tal?"] {
        for chat in &chats {
            seller.say(chat, text).await;
        }
    }

    // Assert: one reply per conversation, nothing more, one turn each.
    let mut answered = Vec::new();
    for _ in &chats {
        let (response, _) = seller.reply().await;
        assert_eq!(response.sender, Sender::Ai);
        answered.push(response.recipient);
    }
    answered.sort();
    let mut shoppers: Vec<String> = chats.iter().map(|c| format!("cust-{c}")).collect();
    shoppers.sort();
    assert_eq!(answered, shoppers);
    seller.silent(3000).await;
    assert_eq!(seller.turns().await, 4);
    for chat in &chats {
        assert_eq!(
            seller.shopper_said(chat).await,
            ["hola", "buenas", "¿qué tal?"]
        );
    }
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_redelivered_after_its_burst_was_answered_adds_nothing() {
    // Arrange
    let mut seller = TestSeller::spawn_bursting(Duration::from_millis(500)).await;
    let chat = "wa:34600000202";
    let first = seller.say(chat, "hola").await;
    let second = seller.say(chat, "¿hay alguien?").await;
    seller.reply().await;

    // Act: both again, as broker redeliveries would bring them.
    seller.app.bus.publish(first).await.unwrap();
    seller.app.bus.publish(second).await.unwrap();

    // Assert
    seller.silent(2500).await;
    assert_eq!(seller.turns().await, 1);
    assert_eq!(seller.shopper_said(chat).await.len(), 2);
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_window_each_message_is_answered() {
    // Arrange
    let mut seller = TestSeller::spawn_bursting(Duration::ZERO).await;
    let chat = "wa:34600000203";

    // Act
    let sent = [
        seller.say(chat, "hola").await,
        seller.say(chat, "buenas").await,
        seller.say(chat, "¿qué tal?").await,
    ];

    // Assert: three replies, each to its message, in order.
    for event in &sent {
        let (response, _) = seller.reply().await;
        assert_eq!(
            response.reply_to_message_id,
            Some(channel_message_id(event))
        );
    }
    assert_eq!(seller.turns().await, 3);
    let buffered: i64 = sqlx::query_scalar("select count(*) from burst_message")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();
    assert_eq!(buffered, 0, "no window: nothing is buffered");
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tap_is_answered_at_once_with_the_messages_before_it() {
    // Arrange: a window far longer than the test waits.
    let mut seller = TestSeller::spawn_bursting(Duration::from_secs(30)).await;
    let stop = CancellationToken::new();
    FakeCatalog::start(&seller, stop.clone()).await;
    let chat = "wa:34600000204";
    seller.say(chat, "hola").await;

    // Act: the shopper taps a button.
    let tap = seller
        .send(
            chat,
            MessageContent::InteractiveReply {
                reply_id: "menu:help".into(),
                title: "¿Me ayudas?".into(),
                description: None,
            },
        )
        .await;

    // Assert: answered long before the window, once, both messages one turn.
    let (response, _) = tokio::time::timeout(Duration::from_secs(10), seller.reply())
        .await
        .expect("a tap is answered without waiting for the window");
    assert_eq!(response.reply_to_message_id, Some(channel_message_id(&tap)));
    assert_eq!(seller.turns().await, 1);
    assert_eq!(seller.shopper_said(chat).await, ["hola", "¿Me ayudas?"]);
    stop.cancel();
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_kept_for_the_human_who_claims_it_within_the_window() {
    // Arrange
    let mut seller = TestSeller::spawn_bursting(Duration::from_millis(1500)).await;
    let chat = "wa:34600000205";
    seller.say(chat, "hola").await;
    seller.say(chat, "busco zapatillas").await;

    // Act: a human claims the conversation before the window ends, and the
    // shopper writes again.
    seller.claim(chat).await;
    seller.wait_for_handler(chat, "human").await;
    seller.say(chat, "¿hola?").await;

    // Assert: no AI reply; the three messages kept for the human, in order.
    seller.wait_for_kept(chat, 3).await;
    seller.silent(2500).await;
    assert_eq!(
        seller.shopper_said(chat).await,
        ["hola", "busco zapatillas", "¿hola?"]
    );
    let sent: i64 = sqlx::query_scalar("select count(*) from turn where outbox <> '[]'::jsonb")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    seller.stop().await;
}

/// A shopper message of `chat` as the gateway publishes it, not sent.
fn message(chat: &str, text: &str) -> Event {
    let message = store_events::data::ChatMessageNew {
        message_id: uuid::Uuid::new_v4().to_string(),
        channel: store_events::data::Channel::Whatsapp,
        channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
        customer: store_events::data::Customer {
            id: format!("cust-{chat}"),
            display_name: None,
            phone: None,
            language: None,
        },
        sent_at: chrono::Utc::now(),
        content: MessageContent::Text { text: text.into() },
        reply_to: None,
        edited: false,
    };
    new_event("/shopper", &context(chat), &message).unwrap()
}

/// Stores `event` in its burst as a replica that crashed after acking it
/// leaves it: no timer anywhere, stored `ago` in the past; `answered_by`
/// when its burst was answered.
async fn plant(
    seller: &TestSeller,
    chat: &str,
    event: &Event,
    ago_ms: i64,
    answered_by: Option<&str>,
) {
    sqlx::query(
        "insert into burst_message (tenant, brand, event_id, conversation_id, event, answered_by, created_at) \
         values ('demo', 'fashion', $1, $2, $3, $4, now() - make_interval(secs => $5::float8 / 1000))",
    )
    .bind(event.id())
    .bind(chat)
    .bind(serde_json::to_value(event).unwrap())
    .bind(answered_by)
    .bind(ago_ms as f64)
    .execute(&seller.app.pool)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_answers_a_burst_a_crashed_replica_left() {
    // Arrange: a seller that never saw these two messages: they were stored
    // and acked by a replica that died before its timer fired.
    let mut seller = TestSeller::spawn_bursting(Duration::from_millis(500)).await;
    let chat = "wa:34600000206";
    let first = message(chat, "hola");
    let second = message(chat, "buenas");
    plant(&seller, chat, &first, 3_000, None).await;
    plant(&seller, chat, &second, 2_900, None).await;

    // Act / Assert: its sweeper answers them, once, as one turn.
    let (response, _) = seller.reply().await;
    assert_eq!(
        response.reply_to_message_id,
        Some(channel_message_id(&second))
    );
    seller.silent(2000).await;
    assert_eq!(seller.turns().await, 1);
    assert_eq!(seller.shopper_said(chat).await, ["hola", "buenas"]);
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_publishes_a_bursts_answer_a_crash_left_unpublished() {
    // Arrange: a burst answered and committed by a replica that died before
    // it published the reply.
    let mut seller = TestSeller::spawn_bursting(Duration::from_millis(500)).await;
    let chat = "wa:34600000207";
    let asked = message(chat, "hola");
    plant(&seller, chat, &asked, 5_000, Some(asked.id())).await;
    let reply = ChatResponse {
        channel: store_events::data::Channel::Whatsapp,
        recipient: format!("cust-{chat}"),
        reply_to_message_id: Some(channel_message_id(&asked)),
        sender: Sender::Ai,
        parts: vec![store_events::data::ResponsePart::Text {
            text: "¡Hola! ¿Qué buscas?".into(),
        }],
    };
    let reply = new_event("/seller", &EventContext::caused_by(&asked).unwrap(), &reply).unwrap();
    sqlx::query(
        "insert into turn (tenant, brand, event_id, conversation_id, status, outbox) \
         values ('demo', 'fashion', $1, $2, 'ready', $3)",
    )
    .bind(asked.id())
    .bind(chat)
    .bind(serde_json::to_value(vec![reply.clone()]).unwrap())
    .execute(&seller.app.pool)
    .await
    .unwrap();

    // Act / Assert: the same reply (same id) is published, and only once.
    let published = seller.next().await;
    assert_eq!(published.id(), reply.id());
    eventually("the turn is marked published", || async {
        let status: String = sqlx::query_scalar("select status from turn")
            .fetch_one(&seller.app.pool)
            .await
            .unwrap();
        status == "published"
    })
    .await;
    seller.silent(2000).await;
    seller.stop().await;
}
