//! The store under test: every service as a process (`store-stack`) on the
//! suite's own PostgreSQL cluster and RabbitMQ, with the demo tenants plus a
//! WhatsApp number of the suite's for each brand it shops at, and the fake
//! Graph API recording what shoppers are sent.

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use serde_json::{Value, json};
use sqlx::{PgPool, postgres::PgPoolOptions};
use store_stack::{Ports, Stack, StackConfig};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

use crate::graph::FakeGraph;

/// One brand the shoppers talk to, on a WhatsApp number of its own.
#[derive(Debug, Clone, Copy)]
pub struct Brand {
    /// Tenant id.
    pub tenant: &'static str,
    /// Brand id.
    pub brand: &'static str,
    /// The suite's WhatsApp number (`phone_number_id`) routed to it.
    pub number: &'static str,
    /// What a shopper searches for there.
    pub search: &'static str,
}

impl Brand {
    /// Its seller's service name in the stack.
    pub fn seller(&self) -> String {
        format!("seller-{}-{}", self.tenant, self.brand)
    }
}

/// The brands shopped at: two brands of one tenant and another tenant.
pub const BRANDS: [Brand; 3] = [
    Brand {
        tenant: "demo",
        brand: "fashion",
        number: "300000000000001",
        search: "show me sneakers",
    },
    Brand {
        tenant: "demo",
        brand: "tech",
        number: "300000000000002",
        search: "show me headphones",
    },
    Brand {
        tenant: "bakery",
        brand: "bakery",
        number: "300000000000003",
        search: "show me croissant",
    },
];

/// The app secret of the suite's numbers (webhooks are signed with it).
pub const APP_SECRET: &str = "fault-suite-app-secret";

/// Stock every variant starts a run with, so the stream never runs out.
pub const STOCK: i64 = 1_000_000;

/// A running store.
pub struct Shop {
    /// The processes (locked while a fault stops or restarts one).
    pub stack: tokio::sync::Mutex<Stack>,
    /// The gateway's base URL.
    pub gateway: String,
    /// What the gateway sent to WhatsApp.
    pub graph: FakeGraph,
    /// Where the binaries are (`storectl` too).
    pub bin_dir: PathBuf,
    /// The broker URL(s) the services use.
    pub amqp_url: String,
    _telegram: MockServer,
    /// The catalog's database.
    pub catalog_db: PgPool,
    /// The order processor's database.
    pub orders_db: PgPool,
    /// The sellers' database.
    pub seller_db: PgPool,
    http: reqwest::Client,
}

impl Shop {
    /// Starts the store on the PostgreSQL server at `postgres_url` (its
    /// databases named `<prefix>_<service>`) and the broker at `amqp_url`,
    /// with its logs and tenants file in `dir`.
    pub async fn start(
        postgres_url: &str,
        prefix: &str,
        amqp_url: &str,
        dir: PathBuf,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let tenants_file = dir.join("tenants.yaml");
        std::fs::write(&tenants_file, tenants_yaml()?)?;
        let graph = FakeGraph::start().await;
        let telegram = fake_telegram().await;
        let bin_dir = store_stack::process::bin_dir()?;
        let mut config = StackConfig::local(bin_dir.clone(), tenants_file, dir);
        config.postgres_url = postgres_url.to_owned();
        config.database_prefix = prefix.to_owned();
        config.amqp_url = amqp_url.to_owned();
        config.ports = Ports::free(u16::try_from(BRANDS.len())?)?;
        config.sellers = Some(
            BRANDS
                .iter()
                .map(|b| format!("{}/{}", b.tenant, b.brand))
                .collect(),
        );
        config.env = [
            ("RUST_LOG", "info"),
            ("OTEL_TRACES_EXPORTER", "none"),
            // No human seller signs in here.
            ("INBOX_DEFER_WHEN_NOBODY_SIGNED_IN", "false"),
            // Every message answered on its own: one answer per message is
            // what the ledger counts.
            ("SELLER_BURST_WINDOW_MS", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        config.gateway_env = vec![
            ("WHATSAPP_API_BASE".to_owned(), graph.uri()),
            ("TELEGRAM_API_BASE".to_owned(), telegram.uri()),
            ("GATEWAY_SEND_BACKOFF_MS".to_owned(), "200".to_owned()),
        ];
        config.ready_timeout = Duration::from_secs(120);
        let stack = Stack::start(&config)
            .await
            .context("the store did not start")?;
        let pool = |service: &str| {
            let url = store_stack::databases::url_of(postgres_url, &config.database(service));
            async move {
                PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(&url?)
                    .await
                    .context("Failed to connect to a service's database")
            }
        };
        let shop = Self {
            gateway: stack.urls().gateway.clone(),
            stack: tokio::sync::Mutex::new(stack),
            graph,
            bin_dir,
            amqp_url: amqp_url.to_owned(),
            _telegram: telegram,
            catalog_db: pool("catalog").await?,
            orders_db: pool("orders").await?,
            seller_db: pool("seller").await?,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
        };
        shop.graph.report_statuses(
            shop.gateway.clone(),
            BRANDS
                .iter()
                .map(|b| (b.number.to_owned(), b.tenant.to_owned()))
                .collect(),
            APP_SECRET,
        );
        shop.restock().await?;
        Ok(shop)
    }

    /// Posts a signed WhatsApp webhook to `tenant`; the HTTP status, or
    /// `None` when the gateway did not answer.
    pub async fn post_whatsapp(&self, tenant: &str, body: &[u8]) -> Option<u16> {
        self.http
            .post(format!("{}/webhooks/whatsapp/{tenant}", self.gateway))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                store_testkit::whatsapp::signature(APP_SECRET, body),
            )
            .body(body.to_vec())
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    /// Gives every variant [`STOCK`] units: the stream never runs out.
    pub async fn restock(&self) -> anyhow::Result<()> {
        self.set_stock(None, STOCK).await
    }

    /// Sets every variant's units on hand (of one tenant, or all).
    pub async fn set_stock(&self, tenant: Option<&str>, units: i64) -> anyhow::Result<()> {
        sqlx::query(
            "update variant set stock = $1, updated_at = now() where $2::text is null or tenant_id = $2",
        )
        .bind(i32::try_from(units)?)
        .bind(tenant)
            .execute(&self.catalog_db)
            .await
            .context("Failed to restock the catalog")?;
        Ok(())
    }
}

/// A WhatsApp text webhook from `wa_id` to the suite's `number`.
pub fn whatsapp_text(number: &str, wa_id: &str, text: &str) -> (String, Vec<u8>) {
    store_testkit::whatsapp::whatsapp_text_to(number, wa_id, text)
}

/// The demo tenants plus the suite's numbers, one per brand of [`BRANDS`].
fn tenants_yaml() -> anyhow::Result<String> {
    let demo = include_str!("../../../config/tenants.demo.yaml");
    let mut file: Value = serde_saphyr::from_str(demo).context("the demo tenants file")?;
    for brand in BRANDS {
        let tenant = file["tenants"]
            .as_array_mut()
            .and_then(|ts| ts.iter_mut().find(|t| t["id"] == brand.tenant))
            .with_context(|| format!("tenant {} is not in the demo file", brand.tenant))?;
        tenant["whatsapp"]
            .as_array_mut()
            .context("the tenant has WhatsApp numbers")?
            .push(json!({
                "phone_number_id": brand.number,
                "verify_token": { "value": "fault-verify-token" },
                "app_secret": { "value": APP_SECRET },
                "access_token": { "value": "fault-access-token" },
                "brand": brand.brand,
            }));
    }
    // JSON is YAML: the services read it as any tenants file.
    Ok(serde_json::to_string_pretty(&file)?)
}

/// Telegram is not shopped at here; a bot API that says yes to anything
/// keeps the gateway's start-up calls off the real one.
async fn fake_telegram() -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(matchers::any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "result": true })),
        )
        .mount(&server)
        .await;
    server
}
