//! What a stack is started with: where the binaries and the tenants file
//! are, which databases, exchange and ports it uses, and extra environment.

use std::path::PathBuf;

/// Ports of the services: each has a public port (its API, `/healthz`,
/// `/readyz`) and an operator's port (`/metrics`, `/admin/*`, `/healthz`,
/// `/readyz`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ports {
    /// The gateway: webhooks and the web chat.
    pub gateway: u16,
    /// The catalog's HTTP API.
    pub catalog: u16,
    /// The order processor's HTTP API.
    pub orders: u16,
    /// The sales assistant's HTTP API and the human sellers' inbox.
    pub sales: u16,
    /// The sales assistant's operator port (`/admin`, never public).
    pub sales_operator: u16,
    /// The first seller's port; the others follow.
    pub first_seller: u16,
    /// The gateway's operator port (`/metrics`).
    pub gateway_operator: u16,
    /// The catalog's operator port (`/metrics`, `/admin`).
    pub catalog_operator: u16,
    /// The order processor's operator port (`/metrics`, `/admin`).
    pub orders_operator: u16,
    /// The first seller's operator port (`/metrics`); the others follow.
    pub first_seller_operator: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Self {
            gateway: 8080,
            catalog: 8081,
            orders: 8082,
            sales: 8083,
            sales_operator: 9090,
            first_seller: 8090,
            gateway_operator: 9080,
            catalog_operator: 9081,
            orders_operator: 9082,
            first_seller_operator: 9100,
        }
    }
}

impl Ports {
    /// Ports free right now for every service and `sellers` sellers (runs
    /// of consecutive ports for the sellers), for a stack beside others
    /// (tests): see [`crate::process::free_ports`].
    pub fn free(sellers: u16) -> anyhow::Result<Self> {
        use crate::process::{free_port, free_ports};
        Ok(Self {
            gateway: free_port()?,
            catalog: free_port()?,
            orders: free_port()?,
            sales: free_port()?,
            sales_operator: free_port()?,
            first_seller: free_ports(sellers.max(1))?,
            gateway_operator: free_port()?,
            catalog_operator: free_port()?,
            orders_operator: free_port()?,
            first_seller_operator: free_ports(sellers.max(1))?,
        })
    }
}

/// Which model the sellers use; `None` in [`StackConfig::llm`] is the
/// offline brain.
#[derive(Debug, Clone)]
pub struct LlmSettings {
    /// `openai` (any OpenAI-compatible server) or `anthropic`.
    pub provider: String,
    /// The model name.
    pub model: String,
    /// Base URL, when not the provider's default.
    pub base_url: Option<String>,
    /// The API key, passed to the sellers' environment only.
    pub api_key: Option<secrecy::SecretString>,
}

/// How to start a stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// Where the service binaries are (`target/debug`).
    pub bin_dir: PathBuf,
    /// The tenants file (channels, brands, personas).
    pub tenants_file: PathBuf,
    /// Logs and saved API keys.
    pub state_dir: PathBuf,
    /// PostgreSQL server URL with a database the stack may connect to in
    /// order to create its own (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
    pub postgres_url: String,
    /// The services' databases are `<prefix>_gateway`, `<prefix>_catalog`,
    /// `<prefix>_orders`, `<prefix>_sales` and `<prefix>_seller`.
    pub database_prefix: String,
    /// The broker.
    pub amqp_url: String,
    /// RabbitMQ's management API, credentials in the URL
    /// (`http://guest:guest@127.0.0.1:15672`): `--reset` deletes the
    /// store's queues through it.
    pub management_url: String,
    /// The events exchange; `None` is the services' default
    /// (`agent-store.events`). A private one also prefixes every queue.
    pub exchange: Option<String>,
    /// The ports.
    pub ports: Ports,
    /// The sellers' model; `None` is the offline brain.
    pub llm: Option<LlmSettings>,
    /// Extra environment for every service (`RUST_LOG`, …).
    pub env: Vec<(String, String)>,
    /// Extra environment for the gateway only (`WHATSAPP_API_BASE`, …).
    pub gateway_env: Vec<(String, String)>,
    /// Extra environment for the order processor only.
    pub orders_env: Vec<(String, String)>,
    /// Extra environment for the catalog only.
    pub catalog_env: Vec<(String, String)>,
    /// Extra environment for the sales assistant only.
    pub sales_env: Vec<(String, String)>,
    /// Extra environment for every seller.
    pub seller_env: Vec<(String, String)>,
    /// How long a service may take to become ready.
    pub ready_timeout: std::time::Duration,
    /// Only these sellers (`tenant/brand`); `None` starts one for every
    /// brand with a persona.
    pub sellers: Option<Vec<String>>,
}

impl StackConfig {
    /// The local defaults: binaries next to `bin_dir`, the demo tenants,
    /// databases `store_*`, the default exchange and ports.
    pub fn local(bin_dir: PathBuf, tenants_file: PathBuf, state_dir: PathBuf) -> Self {
        Self {
            bin_dir,
            tenants_file,
            state_dir,
            postgres_url: "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            database_prefix: "store".to_owned(),
            amqp_url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            management_url: "http://guest:guest@127.0.0.1:15672".to_owned(),
            exchange: None,
            ports: Ports::default(),
            llm: None,
            env: Vec::new(),
            gateway_env: Vec::new(),
            orders_env: Vec::new(),
            catalog_env: Vec::new(),
            sales_env: Vec::new(),
            seller_env: Vec::new(),
            ready_timeout: std::time::Duration::from_secs(60),
            sellers: None,
        }
    }

    /// The name of one service's database.
    pub fn database(&self, service: &str) -> String {
        format!("{}_{service}", self.database_prefix)
    }
}
