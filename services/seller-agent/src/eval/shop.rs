//! The real shop, in-process: the catalog (seeded with the demo catalog),
//! the order processor (with an API key for the demo tenant, so sellers can
//! read and cancel orders over its HTTP API) and any number of sellers, on
//! a private exchange and fresh databases; and a shopper on the bus who
//! sends `store.chat.message.new` and receives every `store.chat.response`
//! and `store.sales.escalate`.
//!
//! The evaluation harness plays its scenarios here, and the seller's
//! black-box tests run in it too, so both exercise the very services that
//! `main` starts.

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use cloudevents::Event;
use secrecy::SecretString;
use sqlx::PgPool;
use store_bus::{Bus, BusConfig, ConsumerConfig, ConsumerHandle, Inbox};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{Channel, ChatMessageNew, Customer, MessageContent, Resolution, SalesResolved},
    new_event,
};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{Application, Config, llm::LlmConfig, metrics::TokenPrices};

/// The demo tenant: the catalog seed's and the personas'.
pub const TENANT: &str = "demo";

/// The demo tenant file, with every brand's persona.
const PERSONAS: &str = include_str!("../../../../config/tenants.demo.yaml");

fn bus_config(service: &str, exchange: &str) -> BusConfig {
    BusConfig::new(service, SecretString::from(store_testkit::amqp_url())).with_exchange(exchange)
}

/// A running shop.
pub struct Shop {
    /// The shopper's connection to the bus.
    pub bus: Bus,
    /// The private exchange of this shop.
    pub exchange: String,
    /// Prefix of every queue and exchange of this shop.
    pub prefix: String,
    /// The catalog's database.
    pub catalog_pool: PgPool,
    /// The order processor's database.
    pub orders_pool: PgPool,
    /// The sellers' database (shared by every seller and replica).
    pub seller_pool: PgPool,
    /// Base URL of the order processor's HTTP API.
    pub orders_api_url: String,
    /// The demo tenant's order-processor API key.
    orders_api_key: SecretString,
    seller_database_url: SecretString,
    /// The demo personas file.
    pub personas: PathBuf,
    /// Temporary directory holding the personas file.
    dir: PathBuf,
    inbox: mpsc::UnboundedReceiver<Event>,
    inbox_handle: ConsumerHandle,
    stops: Vec<CancellationToken>,
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Shop {
    /// Starts the catalog (seeded) and the order processor (with the demo
    /// tenant's API key) on a fresh exchange and fresh databases, and binds
    /// the shopper's queue. Sellers are started with [`Shop::start_seller`].
    pub async fn start() -> anyhow::Result<Self> {
        let prefix = store_testkit::unique("seller-shop");
        let exchange = format!("{prefix}.events");
        let mut stops = Vec::new();
        let mut tasks = Vec::new();

        let (_, catalog_url) = store_testkit::fresh_database_with_url()
            .await
            .context("Failed to create the catalog's database")?;
        let catalog_app = catalog::Application::build(catalog::Config::for_tests(
            SecretString::from(catalog_url),
            bus_config("catalog", &exchange),
        ))
        .await
        .context("Failed to start the catalog")?;
        let catalog_pool = catalog_app.pool().clone();
        catalog::seed::load(&catalog_pool)
            .await
            .context("Failed to seed the demo catalog")?;
        stops.push(catalog_app.shutdown_token());
        tasks.push(tokio::spawn(catalog_app.run_until_stopped()));

        let (_, orders_url) = store_testkit::fresh_database_with_url()
            .await
            .context("Failed to create the order processor's database")?;
        let mut orders_config = order_processor::Config::for_tests(
            SecretString::from(orders_url),
            bus_config("order-processor", &exchange),
        );
        let admin_token = uuid::Uuid::new_v4().simple().to_string();
        orders_config.admin_token = Some(SecretString::from(admin_token.clone()));
        let orders_app = order_processor::Application::build(orders_config)
            .await
            .context("Failed to start the order processor")?;
        let orders_pool = orders_app.pool().clone();
        let orders_api_url = format!("http://127.0.0.1:{}", orders_app.port());
        stops.push(orders_app.shutdown_token());
        tasks.push(tokio::spawn(orders_app.run_until_stopped()));
        // What an operator does: create the tenant, with its first API key,
        // which the sellers are configured with.
        let orders_api_key = create_tenant(&orders_api_url, &admin_token).await?;

        let (seller_pool, seller_url) = store_testkit::fresh_database_with_url()
            .await
            .context("Failed to create the sellers' database")?;
        let dir = std::env::temp_dir().join(&prefix);
        std::fs::create_dir_all(&dir).context("Failed to create a temporary directory")?;
        let personas = dir.join("tenants.yaml");
        std::fs::write(&personas, PERSONAS).context("Failed to write the personas")?;

        let bus = Bus::connect(bus_config("shopper", &exchange), Metrics::new("shopper")?)
            .await
            .context("Failed to connect the shopper to the bus")?;
        let (handler, inbox) = Inbox::channel();
        let inbox_handle = bus
            .consume(
                ConsumerConfig::new(
                    format!("{prefix}.shopper"),
                    ["store.chat.response.#", "store.sales.escalate.#"],
                )
                .with_retry_delays([Duration::from_millis(200)]),
                handler,
                CancellationToken::new(),
            )
            .await
            .context("Failed to bind the shopper's queue")?;
        Ok(Self {
            bus,
            exchange,
            prefix,
            catalog_pool,
            orders_pool,
            seller_pool,
            orders_api_url,
            orders_api_key,
            seller_database_url: SecretString::from(seller_url),
            personas,
            dir,
            inbox,
            inbox_handle,
            stops,
            tasks,
        })
    }

    /// The configuration of a seller of `brand` in this shop: the demo
    /// persona, the shop's order-processor API, the offline brain unless
    /// `llm`.
    pub fn seller_config(&self, brand: &str, llm: Option<LlmConfig>) -> anyhow::Result<Config> {
        Ok(Config {
            bus: bus_config(&format!("seller-{TENANT}-{brand}"), &self.exchange),
            tenant: TenantId::parse(TENANT)?,
            brand: BrandId::parse(brand).with_context(|| format!("Brand {brand:?} is invalid"))?,
            tenants_file: self.personas.clone(),
            database_url: self.seller_database_url.clone(),
            port: 0,
            llm,
            prices: TokenPrices::default(),
            tool_timeout: Duration::from_secs(10),
            orders_api: Some((
                self.orders_api_url.clone(),
                Some(self.orders_api_key.clone()),
            )),
            history_token_budget: 4000,
            max_rounds: 6,
            queue_prefix: format!("{}.seller", self.prefix),
            shards: 4,
        })
    }

    /// Starts a seller (or one more replica of it); returns its HTTP port.
    pub async fn start_seller(&mut self, config: Config) -> anyhow::Result<u16> {
        let token = CancellationToken::new();
        let brand = config.brand.clone();
        let app = Application::build(config, token.clone())
            .await
            .with_context(|| format!("Failed to start the {brand} seller"))?;
        let port = app.port();
        self.stops.push(token);
        self.tasks.push(tokio::spawn(app.run_until_stopped()));
        Ok(port)
    }

    /// Publishes a shopper's message to the seller of `brand`, as the
    /// gateway would; returns the event.
    pub async fn send(
        &self,
        brand: &str,
        conversation: &str,
        customer: Customer,
        content: MessageContent,
    ) -> anyhow::Result<Event> {
        let message = ChatMessageNew {
            message_id: uuid::Uuid::new_v4().to_string(),
            channel: Channel::Whatsapp,
            channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
            customer,
            sent_at: chrono::Utc::now(),
            content,
            reply_to: None,
            edited: false,
        };
        let event = new_event("/shopper", &context(brand, conversation)?, &message)?;
        self.bus
            .publish(event.clone())
            .await
            .context("Failed to publish the shopper's message")?;
        Ok(event)
    }

    /// A human seller hands `conversation` back to the AI.
    pub async fn resolve(&self, brand: &str, conversation: &str) -> anyhow::Result<()> {
        let resolved = SalesResolved {
            resolved_by: "agent-ana".into(),
            resolution: Resolution::HandedBack,
            note: None,
        };
        self.bus
            .publish(new_event(
                "/sales-assistant",
                &context(brand, conversation)?,
                &resolved,
            )?)
            .await
            .context("Failed to publish store.sales.resolved")
    }

    /// The next event the shopper's queue got (a reply, from a seller or
    /// the order processor, or an escalation), if one comes within `timeout`.
    pub async fn next_event(&mut self, timeout: Duration) -> Option<Event> {
        tokio::time::timeout(timeout, self.inbox.recv())
            .await
            .ok()
            .flatten()
    }

    /// Stops every service and seller, and removes the shop's queues,
    /// exchanges and files.
    pub async fn stop(self) {
        for token in &self.stops {
            token.cancel();
        }
        self.inbox_handle.shutdown().await;
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        self.bus.close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
        store_testkit::purge_broker(&self.prefix).await;
    }
}

/// Creates the demo tenant in the order processor at `api` with its
/// operator's `POST /admin/tenants`; returns the tenant's API key.
async fn create_tenant(api: &str, admin_token: &str) -> anyhow::Result<SecretString> {
    #[derive(serde::Deserialize)]
    struct Created {
        api_key: String,
    }
    let response = reqwest::Client::new()
        .post(format!("{api}/admin/tenants"))
        .bearer_auth(admin_token)
        .json(&serde_json::json!({"id": TENANT, "name": "Demo stores"}))
        .send()
        .await
        .context("Failed to reach the order processor's admin API")?
        .error_for_status()
        .context("The order processor refused to create the demo tenant")?;
    let created: Created = response
        .json()
        .await
        .context("The order processor sent a malformed tenant")?;
    Ok(SecretString::from(created.api_key))
}

/// The CloudEvents context of a message in `conversation` with `brand`.
fn context(brand: &str, conversation: &str) -> anyhow::Result<EventContext> {
    Ok(EventContext::new(TenantId::parse(TENANT)?)
        .with_brand(BrandId::parse(brand)?)
        .with_conversation(ConversationId::parse(conversation)?))
}
