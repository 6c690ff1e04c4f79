//! A seller under test: the real `Application` against the real broker and
//! database, a shop's catalog and order processor answering over the bus,
//! and a "gateway" queue that captures what the seller sends.
#![allow(dead_code, clippy::unwrap_used)]

pub mod fake_llm;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use cloudevents::{AttributesReader, Event};
use secrecy::SecretString;
use seller_agent::{Application, Config, llm::LlmConfig, metrics::TokenPrices};
use store_bus::{
    Bus, BusConfig, ConsumerConfig, ConsumerHandle, Handler, HandlerError, Incoming,
    RequestHandler, Responder,
};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{
        Channel, ChatMessageNew, ChatResponse, Currency, Customer, MessageContent, Money,
        OrderCreate, OrderCreated, OrderLine, OrderRejected, OrderStatus, Payment, ProductQuery,
        ProductQueryResult, ProductSummary, RejectedItem, RejectionReason, Resolution,
        ResponsePart, SalesResolved,
    },
    decode, new_event,
};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub const TENANT: &str = "demo";
pub const BRAND: &str = "fashion";

const PERSONA: &str = r#"
tenants:
  - id: demo
    brands:
      - id: fashion
        persona:
          seller_name: Lía
          brand_name: Moda Lía
          focus: clothing and sneakers
          tone: warm and concise
          greeting: "¡Hola! Soy Lía, de Moda Lía. ¿Qué buscas hoy?"
          default_language: es
          currency: EUR
          payment_methods: [card, cash on delivery]
"#;

/// A product of the fake catalog.
pub fn product(id: &str, name: &str, cents: i64, stock: u32) -> ProductSummary {
    ProductSummary {
        product_id: id.into(),
        variant_id: None,
        sku: format!("SKU-{id}"),
        name: name.into(),
        description: Some(format!("{name}, great quality")),
        price: Money::new(cents, Currency::parse("EUR").unwrap()),
        stock,
        in_stock: stock > 0,
        image_url: None,
        attributes: BTreeMap::new(),
    }
}

/// The default shop.
pub fn shop() -> Vec<ProductSummary> {
    vec![
        product("p-runner", "Zapatillas Runner Roja", 5999, 7),
        product("p-classic", "Zapatillas Classic Blanca", 4500, 3),
        product("p-cap", "Gorra Logo", 1250, 0),
    ]
}

/// Answers catalog queries from a fixed product list (by word match).
pub struct FakeCatalog(pub Vec<ProductSummary>);

#[async_trait::async_trait]
impl RequestHandler for FakeCatalog {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let query: ProductQuery = decode(&request.event)?;
        let words: Vec<String> = query
            .text
            .unwrap_or_default()
            .to_lowercase()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let products: Vec<_> = self
            .0
            .iter()
            .filter(|p| match &query.filters.ids {
                Some(ids) => ids.contains(&p.product_id),
                None => words
                    .iter()
                    .any(|w| p.name.to_lowercase().contains(w.trim_end_matches('s'))),
            })
            .cloned()
            .collect();
        let reply = ProductQueryResult {
            total: products.len() as u64,
            products,
            error: None,
        };
        new_event(
            "/fake-catalog",
            &EventContext::caused_by(&request.event)?,
            &reply,
        )
        .map_err(HandlerError::reject)
    }
}

/// Prices orders from the catalog's list (never from the request) and
/// records every request it got.
pub struct FakeOrders {
    pub products: Vec<ProductSummary>,
    pub received: Arc<Mutex<Vec<(String, OrderCreate)>>>,
}

#[async_trait::async_trait]
impl RequestHandler for FakeOrders {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let order: OrderCreate = decode(&request.event)?;
        self.received
            .lock()
            .unwrap()
            .push((request.event.id().to_owned(), order.clone()));
        let context = EventContext::caused_by(&request.event)?;
        let mut lines = Vec::new();
        for (i, item) in order.items.iter().enumerate() {
            let Some(p) = self
                .products
                .iter()
                .find(|p| p.product_id == item.product_id)
            else {
                let rejected = OrderRejected {
                    reasons: vec![RejectedItem {
                        line: i as u32,
                        product_id: item.product_id.clone(),
                        variant_id: None,
                        reason: RejectionReason::UnknownItem,
                        available: None,
                        detail: None,
                    }],
                    message: format!("unknown product {}", item.product_id),
                };
                return new_event("/fake-orders", &context, &rejected)
                    .map_err(HandlerError::reject);
            };
            lines.push(OrderLine {
                product_id: p.product_id.clone(),
                variant_id: None,
                sku: p.sku.clone(),
                name: p.name.clone(),
                quantity: item.quantity,
                unit_price: p.price.clone(),
                line_total: Money::new(
                    p.price.amount_minor * i64::from(item.quantity),
                    p.price.currency.clone(),
                ),
            });
        }
        let total: i64 = lines.iter().map(|l| l.line_total.amount_minor).sum();
        let eur = Currency::parse("EUR").unwrap();
        let created = OrderCreated {
            order_id: "o-1".into(),
            order_number: "A-1001".into(),
            lines,
            subtotal: Money::new(total, eur.clone()),
            delivery_fee: None,
            total: Money::new(total, eur),
            status: OrderStatus::PendingPayment,
            payment: Payment {
                provider: "manual".into(),
                link: None,
            },
        };
        new_event("/fake-orders", &context, &created).map_err(HandlerError::reject)
    }
}

/// Sends what it receives to a channel.
pub struct Capture(pub mpsc::UnboundedSender<Event>);

#[async_trait::async_trait]
impl Handler for Capture {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let _ = self.0.send(incoming.event.clone());
        Ok(())
    }
}

/// The shop around a seller under test.
pub struct Shop {
    pub bus: Bus,
    pub pool: sqlx::PgPool,
    pub database_url: String,
    pub exchange: String,
    pub persona_file: std::path::PathBuf,
    pub orders: Arc<Mutex<Vec<(String, OrderCreate)>>>,
    pub out: mpsc::UnboundedReceiver<Event>,
    handles: Vec<ConsumerHandle>,
    sellers: Vec<CancellationToken>,
}

impl Shop {
    pub async fn start() -> Self {
        store_telemetry::init_for_tests();
        let (pool, database_url) = store_testkit::fresh_database_with_url().await.unwrap();
        let prefix = store_testkit::unique("seller-test");
        let exchange = format!("{prefix}.events");
        let bus = Bus::connect(
            BusConfig::new(
                format!("{prefix}-shop"),
                SecretString::from(store_testkit::amqp_url()),
            )
            .with_exchange(&exchange),
            Metrics::new("shop").unwrap(),
        )
        .await
        .unwrap();
        let orders = Arc::new(Mutex::new(Vec::new()));
        let (tx, out) = mpsc::unbounded_channel();
        let fast = [Duration::from_millis(200)];
        let handles = vec![
            bus.consume(
                ConsumerConfig::new(format!("{prefix}.catalog"), ["store.product.query.#"])
                    .with_retry_delays(fast),
                Responder::new(bus.clone(), FakeCatalog(shop())),
                CancellationToken::new(),
            )
            .await
            .unwrap(),
            bus.consume(
                ConsumerConfig::new(format!("{prefix}.orders"), ["store.order.create.#"])
                    .with_retry_delays(fast),
                Responder::new(
                    bus.clone(),
                    FakeOrders {
                        products: shop(),
                        received: orders.clone(),
                    },
                ),
                CancellationToken::new(),
            )
            .await
            .unwrap(),
            bus.consume(
                ConsumerConfig::new(
                    format!("{prefix}.gateway"),
                    ["store.chat.response.#", "store.sales.escalate.#"],
                )
                .with_retry_delays(fast),
                Capture(tx),
                CancellationToken::new(),
            )
            .await
            .unwrap(),
        ];
        let dir = std::env::temp_dir().join(&prefix);
        std::fs::create_dir_all(&dir).unwrap();
        let persona_file = dir.join("tenants.yaml");
        std::fs::write(&persona_file, PERSONA).unwrap();
        Self {
            bus,
            pool,
            database_url,
            exchange,
            persona_file,
            orders,
            out,
            handles,
            sellers: Vec::new(),
        }
    }

    /// A seller configuration for this shop (offline brain unless `llm`).
    pub fn config(&self, llm: Option<LlmConfig>) -> Config {
        let tenant = TenantId::parse(TENANT).unwrap();
        let brand = BrandId::parse(BRAND).unwrap();
        Config {
            bus: BusConfig::new(
                format!("seller-{tenant}-{brand}"),
                SecretString::from(store_testkit::amqp_url()),
            )
            .with_exchange(&self.exchange),
            tenant,
            brand,
            tenants_file: self.persona_file.clone(),
            database_url: SecretString::from(self.database_url.clone()),
            port: 0,
            llm,
            prices: TokenPrices::default(),
            tool_timeout: Duration::from_secs(5),
            orders_api: None,
            history_token_budget: 4000,
            max_rounds: 6,
            queue_prefix: format!("{}.seller", self.exchange.trim_end_matches(".events")),
            shards: 4,
        }
    }

    /// Starts a seller replica; returns its port.
    pub async fn start_seller(&mut self, config: Config) -> u16 {
        let token = CancellationToken::new();
        let app = Application::build(config, token.clone()).await.unwrap();
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        self.sellers.push(token);
        port
    }

    /// A shopper message from `customer` in `conversation`.
    pub async fn say(&self, conversation: &str, text: &str) -> Event {
        self.send(conversation, MessageContent::Text { text: text.into() })
            .await
    }

    /// A shopper message with any content.
    pub async fn send(&self, conversation: &str, content: MessageContent) -> Event {
        let context = EventContext::new(TenantId::parse(TENANT).unwrap())
            .with_brand(BrandId::parse(BRAND).unwrap())
            .with_conversation(ConversationId::parse(conversation).unwrap());
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
        let event = new_event("/test-gateway", &context, &message).unwrap();
        self.bus.publish(event.clone()).await.unwrap();
        event
    }

    /// A human hands `conversation` back to the AI.
    pub async fn resolve(&self, conversation: &str) {
        let context = EventContext::new(TenantId::parse(TENANT).unwrap())
            .with_brand(BrandId::parse(BRAND).unwrap())
            .with_conversation(ConversationId::parse(conversation).unwrap());
        let resolved = SalesResolved {
            resolved_by: "agent-ana".into(),
            resolution: Resolution::HandedBack,
            note: None,
        };
        self.bus
            .publish(new_event("/test-sales", &context, &resolved).unwrap())
            .await
            .unwrap();
    }

    /// The next event the seller sent (reply or escalation).
    pub async fn next(&mut self) -> Event {
        let event = tokio::time::timeout(Duration::from_secs(20), self.out.recv())
            .await
            .expect("the seller sent nothing within 20 s")
            .unwrap();
        store_events::validation::validate(&event)
            .unwrap_or_else(|e| panic!("invalid {}: {e}", event.ty()));
        event
    }

    /// The next reply's text.
    pub async fn reply(&mut self) -> (ChatResponse, String) {
        loop {
            let event = self.next().await;
            if event.ty() == "store.chat.response" {
                let response: ChatResponse = decode(&event).unwrap();
                let text = text_of(&response);
                return (response, text);
            }
        }
    }

    /// Asserts the seller sends nothing for `millis`.
    pub async fn silent(&mut self, millis: u64) {
        if let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(millis), self.out.recv()).await
        {
            panic!("the seller sent {} while it should be silent", event.ty());
        }
    }

    pub async fn stop(self) {
        for token in &self.sellers {
            token.cancel();
        }
        for handle in self.handles {
            handle.shutdown().await;
        }
        self.bus.close().await;
        store_testkit::purge_broker(self.exchange.trim_end_matches(".events")).await;
    }
}

/// All text of a response.
pub fn text_of(response: &ChatResponse) -> String {
    response
        .parts
        .iter()
        .filter_map(|p| match p {
            ResponsePart::Text { text }
            | ResponsePart::Buttons { text, .. }
            | ResponsePart::List { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}
