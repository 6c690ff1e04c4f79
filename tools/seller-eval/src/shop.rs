//! The real shop, as processes: the catalog (seeded with the demo catalog by
//! its own `catalog seed`), the order processor (with the demo tenant
//! created through its operator endpoint, whose API key the sellers use to
//! read and cancel orders) and any number of sellers, each started from its
//! built binary (`cargo build --bins`) on a private exchange and fresh
//! databases, as `store-stack` starts the whole store; and a shopper on the
//! bus who sends `store.chat.message.new` and receives every
//! `store.chat.response` and `store.sales.escalate`.
//!
//! The evaluation harness plays its scenarios here, and the seller's
//! black-box tests run in it too, so both exercise the very binaries that
//! are deployed. Nothing of another service is linked in: the shop reads
//! the catalog's and the order processor's databases only to judge.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context as _;
use cloudevents::Event;
use secrecy::{ExposeSecret as _, SecretString};
use seller_agent::llm::{LlmConfig, Provider};
use sqlx::PgPool;
use store_bus::{Bus, BusConfig, ConsumerConfig, ConsumerHandle, Inbox};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{Channel, ChatMessageNew, Customer, MessageContent, Resolution, SalesResolved},
    new_event,
};
use store_stack::process::free_port;
use store_stack::{
    keys,
    process::{Service, Spec},
};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The demo tenant: the catalog seed's and the personas'.
pub const TENANT: &str = "demo";

/// The demo tenants file, with every brand's persona.
const TENANTS: &str = include_str!("../../../config/tenants.demo.yaml");

/// The binaries the shop runs.
const BINARIES: [&str; 3] = ["catalog", "order-processor", "seller-agent"];

/// How long a process may take to answer `/readyz`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A seller to start: its brand and its model (`None`: the offline brain).
#[derive(Debug, Clone)]
pub struct Seller {
    /// A demo brand (`fashion`, `tech`…).
    pub brand: String,
    /// The model, or `None` for the offline brain.
    pub llm: Option<LlmConfig>,
}

/// A running shop.
pub struct Shop {
    /// The shopper's connection to the bus.
    pub bus: Bus,
    /// The private exchange of this shop (every queue is prefixed with it).
    pub exchange: String,
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
    seller_database_url: String,
    /// Prefix of the shop's exchange, queues and temporary directory.
    prefix: String,
    /// The tenants file, the processes' logs.
    dir: PathBuf,
    bin_dir: PathBuf,
    http: reqwest::Client,
    inbox: mpsc::UnboundedReceiver<Event>,
    inbox_handle: ConsumerHandle,
    services: Vec<Service>,
    /// Variables every seller started from now on gets.
    seller_env: Vec<(String, String)>,
}

impl Shop {
    /// Starts the catalog (seeded) and the order processor (with the demo
    /// tenant's API key) on a fresh exchange and fresh databases, and binds
    /// the shopper's queue. Sellers are started with [`Shop::start_seller`].
    pub async fn start() -> anyhow::Result<Self> {
        let bin_dir = bin_dir()?;
        let prefix = store_testkit::unique("seller-shop");
        let exchange = format!("{prefix}.events");
        let dir = std::env::temp_dir().join(&prefix);
        std::fs::create_dir_all(&dir).context("Failed to create a temporary directory")?;
        std::fs::write(dir.join("tenants.yaml"), TENANTS)
            .context("Failed to write the tenants file")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;

        let (catalog_pool, catalog_url) = store_testkit::fresh_database_with_url()
            .await
            .context("Failed to create the catalog's database")?;
        let (orders_pool, orders_url) = store_testkit::fresh_database_with_url()
            .await
            .context("Failed to create the order processor's database")?;
        let (seller_pool, seller_database_url) = store_testkit::fresh_database_with_url()
            .await
            .context("Failed to create the sellers' database")?;

        let common = common_env(&exchange);
        let catalog_port = free_port()?;
        Spec::new("catalog-seed", &bin_dir, "catalog", catalog_port)
            .args(["seed"])
            .envs(common.clone())
            .envs([("DATABASE_URL", catalog_url.clone())])
            .run_to_end(&dir)
            .await
            .context("Failed to seed the demo catalog")?;
        let admin_token = SecretString::from(uuid::Uuid::new_v4().simple().to_string());
        let orders_operator = free_port()?;
        let specs = [
            Spec::new("catalog", &bin_dir, "catalog", catalog_port)
                .envs(common.clone())
                .envs([
                    ("DATABASE_URL", catalog_url),
                    ("OPERATOR_PORT", free_port()?.to_string()),
                ]),
            Spec::new("order-processor", &bin_dir, "order-processor", free_port()?)
                .envs(common.clone())
                .envs([
                    ("DATABASE_URL", orders_url),
                    ("ADMIN_TOKEN", admin_token.expose_secret().to_owned()),
                    ("OPERATOR_PORT", orders_operator.to_string()),
                ]),
        ];
        let mut services = Vec::new();
        for spec in specs {
            services.push(spec.spawn(&dir)?);
        }
        for service in &mut services {
            service.wait_ready(&http, READY_TIMEOUT).await?;
        }
        let orders_api_url = services[1].url();
        // What an operator does: create the tenant, with its first API key,
        // which the sellers are configured with.
        let orders_api_key = keys::Admin {
            http: &http,
            service: keys::ORDERS,
            url: &format!("http://127.0.0.1:{orders_operator}"),
            token: &admin_token,
        }
        .ensure(&mut keys::Keys::new(), TENANT, "Demo stores")
        .await?;

        let bus = Bus::connect(bus_config("shopper", &exchange), Metrics::new("shopper")?)
            .await
            .context("Failed to connect the shopper to the bus")?;
        let (handler, inbox) = Inbox::channel();
        let inbox_handle = bus
            .consume(
                ConsumerConfig::new(
                    format!("{exchange}.shopper"),
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
            catalog_pool,
            orders_pool,
            seller_pool,
            orders_api_url,
            orders_api_key: SecretString::from(orders_api_key),
            seller_database_url,
            prefix,
            dir,
            bin_dir,
            http,
            inbox,
            inbox_handle,
            services,
            seller_env: Vec::new(),
        })
    }

    /// Starts a seller (or one more replica of it) of the demo tenant:
    /// the demo persona, the shop's order-processor API, `seller`'s model;
    /// returns its operator port (`/metrics`, `/readyz`) once it is ready.
    pub async fn start_seller(&mut self, seller: Seller) -> anyhow::Result<u16> {
        let name = format!("seller-{TENANT}-{}-{}", seller.brand, self.services.len());
        let mut env = vec![
            ("DATABASE_URL".to_owned(), self.seller_database_url.clone()),
            ("SELLER_TENANT".to_owned(), TENANT.to_owned()),
            ("SELLER_BRAND".to_owned(), seller.brand.clone()),
            (
                "TENANTS_FILE".to_owned(),
                self.dir.join("tenants.yaml").display().to_string(),
            ),
            ("ORDERS_API_URL".to_owned(), self.orders_api_url.clone()),
            (
                "ORDERS_API_KEY".to_owned(),
                self.orders_api_key.expose_secret().to_owned(),
            ),
            ("TOOL_TIMEOUT_MS".to_owned(), "10000".to_owned()),
            ("SELLER_SHARDS".to_owned(), "4".to_owned()),
            // Turns wait for their answer before the next: a short burst
            // window keeps runs fast, and a burst turn's messages, sent
            // back to back, still arrive within it.
            ("SELLER_BURST_WINDOW_MS".to_owned(), "300".to_owned()),
        ];
        let operator_port = free_port()?;
        env.push(("OPERATOR_PORT".to_owned(), operator_port.to_string()));
        env.extend(llm_env(seller.llm.as_ref()));
        env.extend(self.seller_env.iter().cloned());
        let mut service = Spec::new(name, &self.bin_dir, "seller-agent", free_port()?)
            .envs(common_env(&self.exchange))
            .envs(env)
            .spawn(&self.dir)?;
        let ready = service.wait_ready(&self.http, READY_TIMEOUT).await;
        self.services.push(service);
        ready.with_context(|| format!("The {} seller did not start", seller.brand))?;
        Ok(operator_port)
    }

    /// Sets `name` to `value` for every seller started from now on (a
    /// setting a seller does not know is ignored by it).
    pub fn set_seller_env(&mut self, name: &str, value: &str) {
        self.seller_env.retain(|(k, _)| k != name);
        self.seller_env.push((name.to_owned(), value.to_owned()));
    }

    /// Hands every event the shopper's queue gets from now on to the
    /// caller (who plays several conversations at once and routes them);
    /// [`Shop::next_event`] gets nothing afterwards.
    pub fn take_inbox(&mut self) -> mpsc::UnboundedReceiver<Event> {
        std::mem::replace(&mut self.inbox, mpsc::unbounded_channel().1)
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

    /// Cancels order `number` through the order processor's API, as the
    /// shop's staff would (its stock goes back to the catalog).
    pub async fn cancel_order(&self, number: &str) -> anyhow::Result<()> {
        self.http
            .post(format!(
                "{}/api/v1/orders/by-number/{number}/cancel",
                self.orders_api_url
            ))
            .bearer_auth(self.orders_api_key.expose_secret())
            .json(&serde_json::json!({ "reason": "evaluation run over" }))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("Failed to cancel order {number}"))?;
        Ok(())
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

    /// The tenants file the shop's services read (the demo brands'
    /// personas).
    pub fn tenants_file(&self) -> PathBuf {
        self.dir.join("tenants.yaml")
    }

    /// Where the processes' logs are (`<name>.log`).
    pub fn log_dir(&self) -> &Path {
        &self.dir
    }

    /// Stops every process (SIGTERM; each drains), and removes the shop's
    /// queues, exchanges and files.
    pub async fn stop(mut self) {
        for service in self.services.iter_mut().rev() {
            service.terminate();
        }
        for service in self.services.iter_mut().rev() {
            match service.wait_stopped(Duration::from_secs(20)).await {
                Ok(Some(status)) if status.success() => {}
                outcome => tracing::warn!(service = %service.name, ?outcome, "stopped uncleanly"),
            }
        }
        self.inbox_handle.shutdown().await;
        self.bus.close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
        store_testkit::purge_broker(&self.prefix).await;
    }
}

/// Where the services' binaries are: beside this program (`target/debug`),
/// or one folder up from a test binary (`target/debug/deps`). Fails, saying
/// what to run, when one is not built.
fn bin_dir() -> anyhow::Result<PathBuf> {
    built_in(store_stack::process::bin_dir()?)
}

/// `dir`, when it holds every binary the shop runs.
fn built_in(dir: PathBuf) -> anyhow::Result<PathBuf> {
    for binary in BINARIES {
        anyhow::ensure!(
            dir.join(binary).is_file(),
            "{} is not built: run `cargo build --bins` first (the shop runs the catalog, \
             the order processor and the seller from their binaries)",
            dir.join(binary).display()
        );
    }
    Ok(dir)
}

/// What every process of the shop gets: the broker, the shop's exchange,
/// loopback, logs without tracing export.
fn common_env(exchange: &str) -> Vec<(String, String)> {
    [
        ("AMQP_URL", store_testkit::amqp_url()),
        ("BUS_EXCHANGE", exchange.to_owned()),
        ("HOST", "127.0.0.1".to_owned()),
        ("RUST_LOG", "info".to_owned()),
        ("OTEL_TRACES_EXPORTER", "none".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The seller's model variables for `llm` (`LLM_PROVIDER=offline` without
/// one).
fn llm_env(llm: Option<&LlmConfig>) -> Vec<(String, String)> {
    let Some(llm) = llm else {
        return vec![("LLM_PROVIDER".to_owned(), "offline".to_owned())];
    };
    let provider = match llm.provider {
        Provider::Openai => "openai",
        Provider::Anthropic => "anthropic",
    };
    let mut env = vec![
        ("LLM_PROVIDER".to_owned(), provider.to_owned()),
        ("LLM_BASE_URL".to_owned(), llm.base_url.clone()),
        ("LLM_MODEL".to_owned(), llm.model.clone()),
        (
            "LLM_TIMEOUT_MS".to_owned(),
            llm.timeout.as_millis().to_string(),
        ),
        ("LLM_MAX_RETRIES".to_owned(), llm.max_retries.to_string()),
    ];
    if let Some(key) = &llm.api_key {
        env.push(("LLM_API_KEY".to_owned(), key.expose_secret().to_owned()));
    }
    env
}

fn bus_config(service: &str, exchange: &str) -> BusConfig {
    BusConfig::new(service, SecretString::from(store_testkit::amqp_url())).with_exchange(exchange)
}

/// The CloudEvents context of a message in `conversation` with `brand`.
fn context(brand: &str, conversation: &str) -> anyhow::Result<EventContext> {
    Ok(EventContext::new(TenantId::parse(TENANT)?)
        .with_brand(BrandId::parse(brand)?)
        .with_conversation(ConversationId::parse(conversation)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`bin_dir`] for the program at `exe`.
    fn bin_dir_of(exe: &Path) -> anyhow::Result<PathBuf> {
        built_in(store_stack::process::bin_dir_of(exe)?)
    }

    #[test]
    fn missing_binaries_are_reported_with_the_command_that_builds_them() {
        let dir = std::env::temp_dir().join(store_testkit::unique("seller-eval-bins"));
        std::fs::create_dir_all(dir.join("deps")).expect("a directory");
        for binary in ["catalog", "order-processor"] {
            std::fs::write(dir.join(binary), "").expect("a file");
        }

        let missing = bin_dir_of(&dir.join("deps/it-0123")).expect_err("no seller binary");
        std::fs::write(dir.join("seller-agent"), "").expect("a file");
        let found = bin_dir_of(&dir.join("seller-eval")).expect("every binary");

        let message = missing.to_string();
        assert!(
            message.contains("seller-agent is not built") && message.contains("cargo build --bins"),
            "{message}"
        );
        assert_eq!(found, dir);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
