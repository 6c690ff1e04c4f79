//! The shop the scenarios are played in: the real catalog (seeded with the
//! demo catalog), the real order processor and one seller per brand, all
//! in-process on a private exchange and fresh databases; and a shopper on
//! the bus that sends `store.chat.message.new` and reads what comes back.

use std::{collections::BTreeSet, path::PathBuf, time::Duration};

use anyhow::Context as _;
use cloudevents::{AttributesReader, Event};
use secrecy::SecretString;
use store_bus::{Bus, BusConfig, ConsumerConfig, ConsumerHandle, Handler, HandlerError, Incoming};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{Channel, ChatMessageNew, ChatResponse, Customer, MessageContent, ResponsePart},
    decode,
    envelope::string_extension,
    ext, new_event,
};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{
    report::{Outcome, Report},
    scenario::{self, CatalogView, Observed, OrderLineSeen, OrderSeen, Scenario},
};
use crate::{Application, Config, llm::LlmConfig, metrics::TokenPrices};

/// The demo tenant every scenario shops at.
pub const TENANT: &str = "demo";

/// The demo tenant file, with every brand's persona.
const PERSONAS: &str = include_str!("../../../../config/tenants.demo.yaml");

/// How to run the evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenarios (every `*.yaml` in it).
    pub scenarios_dir: PathBuf,
    /// The model, or `None` for the offline brain.
    pub llm: Option<LlmConfig>,
    /// How long to wait for each reply.
    pub reply_timeout: Duration,
    /// Only scenarios whose name contains this.
    pub only: Option<String>,
}

impl Options {
    /// The repository's scenarios with `llm` (or the offline brain).
    pub fn new(llm: Option<LlmConfig>) -> Self {
        Self {
            scenarios_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/eval/scenarios")),
            reply_timeout: if llm.is_some() {
                Duration::from_secs(120)
            } else {
                Duration::from_secs(20)
            },
            llm,
            only: None,
        }
    }
}

/// Sends what the shopper receives to a channel.
struct Inbox(mpsc::UnboundedSender<Event>);

#[async_trait::async_trait]
impl Handler for Inbox {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let _ = self.0.send(incoming.event.clone());
        Ok(())
    }
}

/// The running shop.
struct Shop {
    bus: Bus,
    catalog_pool: sqlx::PgPool,
    orders_pool: sqlx::PgPool,
    inbox: mpsc::UnboundedReceiver<Event>,
    inbox_handle: ConsumerHandle,
    stops: Vec<CancellationToken>,
    /// The temporary directory holding the personas file.
    dir: PathBuf,
    /// Prefix of every queue and exchange of this run.
    prefix: String,
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

fn bus_config(service: &str, exchange: &str) -> BusConfig {
    BusConfig::new(service, SecretString::from(store_testkit::amqp_url())).with_exchange(exchange)
}

/// Plays every scenario of `options` and reports their outcomes.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    let mut scenarios = scenario::load_dir(&options.scenarios_dir)?;
    if let Some(only) = &options.only {
        scenarios.retain(|s| s.name.contains(only.as_str()));
    }
    let brands: BTreeSet<String> = scenarios.iter().map(|s| s.brand.clone()).collect();
    let mut shop = Shop::start(&brands, options.llm.clone()).await?;
    let offline = options.llm.is_none();
    let mut outcomes = Vec::new();
    for scenario in &scenarios {
        let catalog = shop.catalog_view(&scenario.brand).await?;
        let seen = shop.play(scenario, options.reply_timeout).await?;
        tracing::info!(scenario = %scenario.name, replies = ?seen.replies, "played");
        outcomes.push(Outcome {
            name: scenario.name.clone(),
            language: scenario.language.clone(),
            turns: scenario.turns.len(),
            required: scenario.is_required(offline),
            failed: scenario::evaluate(scenario, &catalog, &seen),
        });
    }
    shop.stop().await;
    let brain = match &options.llm {
        None => "offline".to_owned(),
        Some(llm) => format!("{:?}:{}", llm.provider, llm.model).to_lowercase(),
    };
    Ok(Report { brain, outcomes })
}

impl Shop {
    async fn start(brands: &BTreeSet<String>, llm: Option<LlmConfig>) -> anyhow::Result<Self> {
        let base = store_testkit::unique("seller-eval");
        let exchange = format!("{base}.events");
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
        let orders_app = order_processor::Application::build(order_processor::Config::for_tests(
            SecretString::from(orders_url),
            bus_config("order-processor", &exchange),
        ))
        .await
        .context("Failed to start the order processor")?;
        let orders_pool = orders_app.pool().clone();
        stops.push(orders_app.shutdown_token());
        tasks.push(tokio::spawn(orders_app.run_until_stopped()));

        let (_, seller_url) = store_testkit::fresh_database_with_url()
            .await
            .context("Failed to create the seller's database")?;
        let dir = std::env::temp_dir().join(&base);
        std::fs::create_dir_all(&dir).context("Failed to create a temporary directory")?;
        let personas = dir.join("tenants.yaml");
        std::fs::write(&personas, PERSONAS).context("Failed to write the personas")?;
        for brand in brands {
            let token = CancellationToken::new();
            let config = Config {
                bus: bus_config(&format!("seller-{TENANT}-{brand}"), &exchange),
                tenant: TenantId::parse(TENANT)?,
                brand: BrandId::parse(brand.as_str())
                    .with_context(|| format!("Brand {brand:?} is invalid"))?,
                tenants_file: personas.clone(),
                database_url: SecretString::from(seller_url.clone()),
                port: 0,
                llm: llm.clone(),
                prices: TokenPrices::default(),
                tool_timeout: Duration::from_secs(10),
                orders_api: None,
                history_token_budget: 4000,
                max_rounds: 6,
                queue_prefix: format!("{base}.seller"),
                shards: 2,
            };
            let app = Application::build(config, token.clone())
                .await
                .with_context(|| format!("Failed to start the {brand} seller"))?;
            stops.push(token);
            tasks.push(tokio::spawn(app.run_until_stopped()));
        }

        let bus = Bus::connect(bus_config("shopper", &exchange), Metrics::new("shopper")?)
            .await
            .context("Failed to connect the shopper to the bus")?;
        let (tx, inbox) = mpsc::unbounded_channel();
        let inbox_handle = bus
            .consume(
                ConsumerConfig::new(
                    format!("{base}.shopper"),
                    ["store.chat.response.#", "store.sales.escalate.#"],
                ),
                Inbox(tx),
                CancellationToken::new(),
            )
            .await
            .context("Failed to bind the shopper's queue")?;
        Ok(Self {
            bus,
            catalog_pool,
            orders_pool,
            inbox,
            inbox_handle,
            stops,
            dir,
            prefix: base.clone(),
            tasks,
        })
    }

    /// Plays one scenario as a new shopper in a new conversation.
    async fn play(&mut self, scenario: &Scenario, timeout: Duration) -> anyhow::Result<Observed> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let conversation = format!("wa:eval{}", &id[..12]);
        let context = EventContext::new(TenantId::parse(TENANT)?)
            .with_brand(BrandId::parse(scenario.brand.as_str())?)
            .with_conversation(ConversationId::parse(conversation.as_str())?);
        let mut seen = Observed::default();
        for turn in &scenario.turns {
            let message = ChatMessageNew {
                message_id: uuid::Uuid::new_v4().to_string(),
                channel: Channel::Whatsapp,
                channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
                customer: Customer {
                    id: format!("cust-{id}"),
                    display_name: Some("Alex".into()),
                    phone: None,
                    language: None,
                },
                sent_at: chrono::Utc::now(),
                content: MessageContent::Text {
                    text: turn.say.clone(),
                },
                reply_to: None,
                edited: false,
            };
            self.bus
                .publish(new_event("/seller-eval", &context, &message)?)
                .await
                .context("Failed to publish the shopper's message")?;
            let reply = self.receive(&conversation, timeout, &mut seen).await;
            seen.replies.push(reply);
        }
        // An escalation may follow the last reply.
        self.receive(&conversation, Duration::from_millis(300), &mut seen)
            .await;
        seen.orders = self.orders_of(&conversation).await?;
        Ok(seen)
    }

    /// The next reply in `conversation`, noting escalations on the way.
    async fn receive(
        &mut self,
        conversation: &str,
        timeout: Duration,
        seen: &mut Observed,
    ) -> Option<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let event = tokio::time::timeout_at(deadline, self.inbox.recv())
                .await
                .ok()??;
            if string_extension(&event, ext::CONVERSATION).as_deref() != Some(conversation) {
                continue;
            }
            if event.ty().starts_with("store.sales.escalate") {
                seen.escalated = true;
                continue;
            }
            if let Ok(response) = decode::<ChatResponse>(&event) {
                return Some(text_of(&response));
            }
        }
    }

    /// Names and prices of a brand's products, from the catalog's database.
    async fn catalog_view(&self, brand: &str) -> anyhow::Result<CatalogView> {
        let rows: Vec<(String, serde_json::Value, i64, String)> = sqlx::query_as(
            "select p.name, p.translations, coalesce(v.price_minor, p.price_minor), p.currency \
             from product p left join variant v on v.product_id = p.id \
             where p.tenant_id = $1 and p.brand_id = $2",
        )
        .bind(TENANT)
        .bind(brand)
        .fetch_all(&self.catalog_pool)
        .await
        .context("Failed to read the catalog")?;
        let mut view = CatalogView::default();
        for (name, translations, price, currency) in rows {
            view.names.push(name.to_lowercase());
            if let Some(map) = translations.as_object() {
                for t in map.values() {
                    if let Some(n) = t["name"].as_str() {
                        view.names.push(n.to_lowercase());
                    }
                }
            }
            view.prices.push((price, currency));
        }
        view.names.sort();
        view.names.dedup();
        view.prices.sort();
        view.prices.dedup();
        Ok(view)
    }

    /// Orders the order processor holds for `conversation`.
    async fn orders_of(&self, conversation: &str) -> anyhow::Result<Vec<OrderSeen>> {
        let orders: Vec<(uuid::Uuid, i64, String)> = sqlx::query_as(
            "select id, total_minor, currency from customer_order where conversation = $1",
        )
        .bind(conversation)
        .fetch_all(&self.orders_pool)
        .await
        .context("Failed to read orders")?;
        let mut out = Vec::new();
        for (id, total_minor, currency) in orders {
            let lines: Vec<(String, i32, i64)> = sqlx::query_as(
                "select name, quantity, unit_price_minor from order_line where order_id = $1 order by line",
            )
            .bind(id)
            .fetch_all(&self.orders_pool)
            .await
            .context("Failed to read order lines")?;
            out.push(OrderSeen {
                lines: lines
                    .into_iter()
                    .map(|(name, quantity, unit_price_minor)| OrderLineSeen {
                        name,
                        quantity: i64::from(quantity),
                        unit_price_minor,
                    })
                    .collect(),
                total_minor,
                currency,
            });
        }
        Ok(out)
    }

    async fn stop(self) {
        for token in &self.stops {
            token.cancel();
        }
        self.inbox_handle.shutdown().await;
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        store_testkit::purge_broker(&self.prefix).await;
    }
}

/// All text of a response.
fn text_of(response: &ChatResponse) -> String {
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
