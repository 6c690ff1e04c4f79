//! A seller under test, alone: the demo tenant's fashion seller with the
//! offline brain, started through `store_testkit::TestApp` (port 0, a fresh
//! database, an exchange of its own), and a shopper on that exchange. No
//! catalog or order processor runs, so what is tested here needs neither.

use std::{path::PathBuf, time::Duration};

use cloudevents::{AttributesReader, Event};
use seller_agent::{Application, Config};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{
        Channel, ChatMessageNew, ChatResponse, Customer, MessageContent, Resolution, SalesResolved,
        Sender,
    },
    decode, new_event,
};
use store_testkit::{TestApp, TestEnv};
use tokio::sync::mpsc;

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
}

impl TestSeller {
    /// Starts the offline fashion seller as `main` does.
    pub async fn spawn() -> Self {
        let app = TestApp::spawn("seller-agent", |env: TestEnv| async move {
            let config = Config::for_tests(
                TenantId::parse(TENANT)?,
                BrandId::parse(BRAND)?,
                env.database_url,
                env.bus,
                PathBuf::from(TENANTS_FILE),
            );
            Application::build(config).await
        })
        .await
        .unwrap();
        let shopper = app
            .watch(["store.chat.response.#", "store.sales.escalate.#"])
            .await
            .unwrap();
        Self { app, shopper }
    }

    /// Publishes a shopper's text in `conversation`, as the gateway would;
    /// returns the event.
    pub async fn say(&self, conversation: &str, text: &str) -> Event {
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
            content: MessageContent::Text { text: text.into() },
            reply_to: None,
            edited: false,
        };
        let event = new_event("/shopper", &context(conversation), &message).unwrap();
        self.app.bus.publish(event.clone()).await.unwrap();
        event
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

    /// Stops the seller; it must drain and stop cleanly.
    pub async fn stop(self) {
        self.app.stop().await.unwrap();
    }
}

/// The CloudEvents context of a message in `conversation` with the brand.
fn context(conversation: &str) -> EventContext {
    EventContext::new(TenantId::parse(TENANT).unwrap())
        .with_brand(BrandId::parse(BRAND).unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap())
}
