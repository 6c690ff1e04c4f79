//! A seller under test, alone: the demo tenant's fashion seller with the
//! offline brain (or a fake model), started through
//! `store_testkit::TestApp` (port 0, a fresh database, an exchange of its
//! own), a shopper on that exchange, and the sales assistant's hand-overs
//! and draft requests. No catalog or order processor runs, so what is
//! tested here needs neither.

use std::{future::Future, path::PathBuf, time::Duration};

use cloudevents::{AttributesReader, Event};
use seller_agent::{Application, Config, llm::LlmConfig};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{
        Channel, ChatMessageNew, ChatResponse, Customer, DeferralReason, MessageContent,
        Resolution, SalesClaimed, SalesDeferred, SalesDraft, SalesDraftResult, SalesResolved,
        Sender, TranscriptMessage,
    },
    decode, new_event,
};
use store_testkit::{TestApp, TestEnv};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// The tenant and brand of the seller under test (a demo persona).
pub const TENANT: &str = "demo";
/// The brand served.
pub const BRAND: &str = "fashion";

/// The demo tenants file, with the fashion brand's persona.
const TENANTS_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../config/tenants.demo.yaml"
);

/// The seller and a shopper who hears its replies and escalations.
pub struct TestSeller {
    /// The running seller.
    pub app: TestApp,
    shopper: mpsc::UnboundedReceiver<Event>,
    /// What the seller was built with: more replicas start from it.
    config: Config,
    /// More replicas of the seller, on the same database and queues.
    replicas: Vec<(CancellationToken, JoinHandle<anyhow::Result<()>>)>,
}

impl TestSeller {
    /// Starts the offline fashion seller as `main` does.
    pub async fn spawn() -> Self {
        Self::spawn_with(None).await
    }

    /// Starts the fashion seller as `main` does, with `llm` as its model
    /// (`None`: the offline brain), answering each message at once (no
    /// burst window: these tests count one turn per message).
    pub async fn spawn_with(llm: Option<LlmConfig>) -> Self {
        Self::spawn_configured(move |config| config.llm = llm).await
    }

    /// Starts the offline fashion seller as `main` does, answering the
    /// messages of a shopper that come within `window` of each other once.
    pub async fn spawn_bursting(window: Duration) -> Self {
        Self::spawn_configured(move |config| config.burst_window = window).await
    }

    /// Starts the fashion seller as `main` does (no burst window unless
    /// `configure` sets one), with its configuration changed by `configure`.
    pub async fn spawn_configured(configure: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        let built = std::sync::Arc::new(std::sync::Mutex::new(None));
        let keep = built.clone();
        let app = TestApp::spawn("seller-agent", |env: TestEnv| async move {
            let mut config = Config::for_tests(
                TenantId::parse(TENANT)?,
                BrandId::parse(BRAND)?,
                env.database_url,
                env.bus,
                PathBuf::from(TENANTS_FILE),
            );
            config.burst_window = Duration::ZERO;
            configure(&mut config);
            *keep.lock().unwrap() = Some(config.clone());
            Application::build(config).await
        })
        .await
        .unwrap();
        let shopper = app
            .watch(["store.chat.response.#", "store.sales.escalate.#"])
            .await
            .unwrap();
        let config = built.lock().unwrap().take().unwrap();
        Self {
            app,
            shopper,
            config,
            replicas: Vec::new(),
        }
    }

    /// Starts one more replica of the seller, as a second pod would run:
    /// the same database, exchange, queues and configuration.
    pub async fn start_replica(&mut self) {
        let app = Application::build(self.config.clone()).await.unwrap();
        let stop = app.shutdown_token();
        self.replicas
            .push((stop, tokio::spawn(app.run_until_stopped())));
    }

    /// Publishes a text from a shopper called `name` in `conversation`, as
    /// the gateway would; returns the event.
    pub async fn say_as(&self, conversation: &str, name: &str, text: &str) -> Event {
        self.send_as(
            conversation,
            name,
            MessageContent::Text { text: text.into() },
        )
        .await
    }

    /// Publishes `content` from the shopper of `conversation`, as the
    /// gateway would; returns the event.
    pub async fn send(&self, conversation: &str, content: MessageContent) -> Event {
        self.send_as(conversation, "Ana", content).await
    }

    /// Publishes `content` from a shopper called `name` in `conversation`,
    /// as the gateway would; returns the event.
    pub async fn send_as(&self, conversation: &str, name: &str, content: MessageContent) -> Event {
        let message = ChatMessageNew {
            message_id: uuid::Uuid::new_v4().to_string(),
            channel: Channel::Whatsapp,
            channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
            customer: Customer {
                id: format!("cust-{conversation}"),
                display_name: Some(name.into()),
                phone: None,
                language: None,
            },
            sent_at: chrono::Utc::now(),
            content,
            reply_to: None,
            edited: false,
        };
        let event = new_event("/shopper", &context(conversation), &message).unwrap();
        self.app.bus.publish(event.clone()).await.unwrap();
        event
    }

    /// The shopper's messages of `conversation` in the seller's memory, in
    /// order.
    pub async fn shopper_said(&self, conversation: &str) -> Vec<String> {
        sqlx::query_scalar(
            "select content from conversation_message where conversation_id = $1 and role = 'user' order by id",
        )
        .bind(conversation)
        .fetch_all(&self.app.pool)
        .await
        .unwrap()
    }

    /// Turns recorded (answers, or messages kept for a human).
    pub async fn turns(&self) -> i64 {
        sqlx::query_scalar("select count(*) from turn")
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// Publishes a shopper's text in `conversation`, as the gateway would;
    /// returns the event.
    pub async fn say(&self, conversation: &str, text: &str) -> Event {
        self.send(conversation, MessageContent::Text { text: text.into() })
            .await
    }

    /// A human hands `conversation` back to the AI, as the sales assistant
    /// does.
    pub async fn hand_back(&self, conversation: &str) {
        let resolved = SalesResolved {
            resolved_by: "agent-ana".into(),
            resolution: Resolution::HandedBack,
            note: None,
        };
        let event = new_event("/sales-assistant", &context(conversation), &resolved).unwrap();
        self.app.bus.publish(event).await.unwrap();
    }

    /// A human seller claims `conversation` in the inbox, as the sales
    /// assistant announces it; returns the event.
    pub async fn claim(&self, conversation: &str) -> Event {
        let event = claimed(conversation);
        self.app.bus.publish(event.clone()).await.unwrap();
        event
    }

    /// The sales assistant defers `conversation`'s escalation (no seller
    /// signed in); returns the event.
    pub async fn defer(&self, conversation: &str) -> Event {
        let deferred = SalesDeferred {
            reason: DeferralReason::NoSellerOnline,
            until: None,
        };
        let event = new_event("/sales-assistant", &context(conversation), &deferred).unwrap();
        self.app.bus.publish(event.clone()).await.unwrap();
        event
    }

    /// Asks the seller for a suggested reply in `conversation` from
    /// `messages`, as the sales assistant does (request/reply); the answer,
    /// valid against its schema.
    pub async fn draft(
        &self,
        conversation: &str,
        messages: Vec<TranscriptMessage>,
    ) -> SalesDraftResult {
        let request = SalesDraft {
            messages,
            language: Some("es".into()),
        };
        let event = new_event("/sales-assistant", &context(conversation), &request).unwrap();
        let reply = self
            .app
            .bus
            .request(event, Duration::from_secs(20))
            .await
            .expect("the seller answers the draft request");
        store_events::validation::validate(&reply)
            .unwrap_or_else(|e| panic!("invalid {}: {e}", reply.ty()));
        decode(&reply).unwrap()
    }

    /// Who answers `conversation` in the seller's memory (`ai`, `human`),
    /// `None` before the seller has it.
    pub async fn handler_of(&self, conversation: &str) -> Option<String> {
        sqlx::query_scalar("select handler from conversation where conversation_id = $1")
            .bind(conversation)
            .fetch_optional(&self.app.pool)
            .await
            .unwrap()
    }

    /// Shopper messages of `conversation` the seller kept for a human.
    pub async fn kept_for_human(&self, conversation: &str) -> i64 {
        sqlx::query_scalar(
            "select count(*) from conversation_message where conversation_id = $1 and for_human",
        )
        .bind(conversation)
        .fetch_one(&self.app.pool)
        .await
        .unwrap()
    }

    /// Waits until who answers `conversation` is `handler`.
    pub async fn wait_for_handler(&self, conversation: &str, handler: &str) {
        eventually(
            &format!("{conversation} is handled by {handler}"),
            || async { self.handler_of(conversation).await.as_deref() == Some(handler) },
        )
        .await;
    }

    /// Waits until `count` shopper messages of `conversation` are kept for
    /// a human.
    pub async fn wait_for_kept(&self, conversation: &str, count: i64) {
        eventually(
            &format!("{count} messages of {conversation} kept for the human"),
            || async { self.kept_for_human(conversation).await == count },
        )
        .await;
    }

    /// The next event the shopper got, valid against its schema.
    pub async fn next(&mut self) -> Event {
        let event = tokio::time::timeout(Duration::from_secs(20), self.shopper.recv())
            .await
            .expect("nothing was sent to the shopper within 20 s")
            .unwrap();
        store_events::validation::validate(&event)
            .unwrap_or_else(|e| panic!("invalid {}: {e}", event.ty()));
        event
    }

    /// The seller's next reply and its text.
    pub async fn reply(&mut self) -> (ChatResponse, String) {
        loop {
            let event = self.next().await;
            if event.ty() == "store.chat.response" {
                let response: ChatResponse = decode(&event).unwrap();
                assert_eq!(response.sender, Sender::Ai);
                let text = response
                    .parts
                    .iter()
                    .filter_map(|p| match p {
                        store_events::data::ResponsePart::Text { text } => Some(text.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                return (response, text);
            }
        }
    }

    /// Asserts the seller sends nothing for `millis`.
    pub async fn silent(&mut self, millis: u64) {
        let got = tokio::time::timeout(Duration::from_millis(millis), self.shopper.recv()).await;
        if let Ok(Some(event)) = got {
            panic!("the seller sent {} while it should be silent", event.ty());
        }
    }

    /// Stops the seller (and its replicas); each must drain and stop
    /// cleanly.
    pub async fn stop(self) {
        for (stop, task) in self.replicas {
            stop.cancel();
            task.await.unwrap().unwrap();
        }
        self.app.stop().await.unwrap();
    }
}

/// A `store.sales.claimed` for `conversation`: a human takes it over from
/// the AI.
pub fn claimed(conversation: &str) -> Event {
    let claim = SalesClaimed {
        agent: "agent-bruno".into(),
        agent_name: "Bruno".into(),
        taken_over: true,
    };
    new_event("/sales-assistant", &context(conversation), &claim).unwrap()
}

/// A transcript message of `role` saying `text`, now.
pub fn said(role: store_events::data::Role, text: &str) -> TranscriptMessage {
    TranscriptMessage {
        role,
        text: text.to_owned(),
        at: chrono::Utc::now(),
    }
}

/// Waits (up to 20 s, looking every 50 ms) until `check` holds; fails the
/// test naming `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within 20 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The CloudEvents context of a message in `conversation` with the brand.
pub fn context(conversation: &str) -> EventContext {
    EventContext::new(TenantId::parse(TENANT).unwrap())
        .with_brand(BrandId::parse(BRAND).unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap())
}
