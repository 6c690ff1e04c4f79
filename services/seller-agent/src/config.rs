//! The seller's configuration: environment variables (12-factor) in the
//! house's one naming scheme (`HOST`, `PORT`, `DATABASE_URL`, `AMQP_URL`,
//! `BUS_EXCHANGE`, `TENANTS_FILE` as every service; `SELLER_*`, `LLM_*`,
//! `ORDERS_API_*`, `TOOL_TIMEOUT_MS`, `HISTORY_TOKEN_BUDGET`,
//! `MAX_TOOL_ROUNDS`, `LLM_TURN_BUDGET_MS` and `TRANSCRIBE_*` its own).
//! Every secret (`DATABASE_URL`, `AMQP_URL`, `LLM_API_KEY`,
//! `ORDERS_API_KEY`, `TRANSCRIBE_API_KEY`) may also be read from the file named by
//! `<NAME>_FILE` (`store_service::config::secret_from_env`). The persona
//! comes from the tenants file.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context as _, bail};
use secrecy::SecretString;
use store_bus::BusConfig;
use store_events::{BrandId, TenantId};
use store_service::config::{self, number_from_env, parse_env, secret_from_env, var};

use crate::{
    llm::{LlmConfig, Provider},
    metrics::TokenPrices,
    transcription::{DEFAULT_MODEL, TranscribeConfig},
};

/// Name of the service; with the tenant and brand it names the seller's
/// bus connection, metrics and traces (`seller-agent-demo-fashion`).
pub const SERVICE: &str = "seller-agent";

/// The tenants file when `TENANTS_FILE` is not set.
pub const DEFAULT_TENANTS_FILE: &str = "config/tenants.demo.yaml";

/// `HOST` when it is not set. The seller's one port serves operators only
/// (`/healthz`, `/readyz`, `/metrics`), so, like the sales assistant's
/// operator listener, it listens on loopback unless told otherwise; a
/// container sets `HOST=0.0.0.0` for its probes and Prometheus (the Helm
/// chart and docker-compose.yml do).
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// `SELLER_BURST_WINDOW_MS` when it is not set: long enough for the next
/// fragment of a thought typed on a phone, short enough not to feel slow.
pub const DEFAULT_BURST_WINDOW_MS: u64 = 2_000;

/// Everything the seller needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tenant served (`SELLER_TENANT`).
    pub tenant: TenantId,
    /// Brand served (`SELLER_BRAND`): one deployment per brand.
    pub brand: BrandId,
    /// The tenants file with the persona (`TENANTS_FILE`, default
    /// [`DEFAULT_TENANTS_FILE`]).
    pub tenants_file: PathBuf,
    /// PostgreSQL (`DATABASE_URL` or `DATABASE_URL_FILE`).
    pub database_url: SecretString,
    /// RabbitMQ (`AMQP_URL` or `AMQP_URL_FILE`, `BUS_EXCHANGE`); the
    /// seller's queue is named by its [`BusConfig::queue_name`].
    pub bus: BusConfig,
    /// Address of the operator HTTP server with `/healthz`, `/readyz`,
    /// `/metrics` (`HOST`, default [`DEFAULT_HOST`], loopback; `PORT`,
    /// default 8080; port 0 picks a free one).
    pub http_addr: SocketAddr,
    /// The operator's listener (`OPERATOR_HOST`, default 127.0.0.1, and
    /// `OPERATOR_PORT`, default 9100): `/metrics` and `/admin/*`, never public.
    pub operator_addr: SocketAddr,
    /// The model, or `None` for the offline brain (`LLM_PROVIDER` unset or
    /// `offline`; see [`llm_from_env`]).
    pub llm: Option<LlmConfig>,
    /// Token prices for the cost estimate (`LLM_PRICE_INPUT_PER_MTOK`,
    /// `LLM_PRICE_OUTPUT_PER_MTOK`, default 0).
    pub prices: TokenPrices,
    /// How long a catalog or order request may take (`TOOL_TIMEOUT_MS`,
    /// default 8000).
    pub tool_timeout: Duration,
    /// The order processor's HTTP API (`ORDERS_API_URL`; its tenant key
    /// `ORDERS_API_KEY` or `ORDERS_API_KEY_FILE`).
    pub orders_api: Option<(String, Option<SecretString>)>,
    /// Token budget of the verbatim history before older messages are
    /// summarized (`HISTORY_TOKEN_BUDGET`, default 4000).
    pub history_token_budget: usize,
    /// Model calls per turn (`MAX_TOOL_ROUNDS`, default 6).
    pub max_rounds: u32,
    /// Time the model has to answer one turn, its retries included
    /// (`LLM_TURN_BUDGET_MS`, default 45000); after it the offline brain
    /// answers the turn.
    pub llm_turn_budget: Duration,
    /// Conversation shards: conversations are spread over this many ordered
    /// queues (`SELLER_SHARDS`, default 8); every replica must use the same
    /// number.
    pub shards: u16,
    /// Connections in the database pool (`DATABASE_MAX_CONNECTIONS`); `None`:
    /// [`Config::pool_size`]'s default.
    pub database_max_connections: Option<u32>,
    /// How long the seller waits for more messages of a shopper before
    /// answering them once, as one turn (`SELLER_BURST_WINDOW_MS`, default
    /// 2000; 0 answers each message at once).
    pub burst_window: Duration,
    /// Voice notes are transcribed by this OpenAI-compatible server
    /// (`TRANSCRIBE_BASE_URL`; see [`transcribe_from_env`]); `None`: the
    /// shopper is asked to type instead.
    pub transcribe: Option<TranscribeConfig>,
}

impl Config {
    /// The seller of `tenant`/`brand` with defaults for everything but the
    /// essentials: the offline brain, no order API.
    pub fn new(
        tenant: TenantId,
        brand: BrandId,
        database_url: SecretString,
        bus: BusConfig,
        tenants_file: PathBuf,
    ) -> Self {
        Self {
            tenant,
            brand,
            tenants_file,
            database_url,
            bus,
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            operator_addr: SocketAddr::from(([127, 0, 0, 1], 9100)),
            llm: None,
            prices: TokenPrices::default(),
            tool_timeout: Duration::from_secs(8),
            orders_api: None,
            history_token_budget: 4_000,
            max_rounds: 6,
            llm_turn_budget: Duration::from_secs(45),
            shards: 8,
            database_max_connections: None,
            burst_window: Duration::from_millis(DEFAULT_BURST_WINDOW_MS),
            transcribe: None,
        }
    }

    /// Connections in the database pool: `DATABASE_MAX_CONNECTIONS` when set,
    /// or one a shard (a turn at a time each) and ten more (summaries; with a
    /// burst window each running flush holds one more, its burst lock, and as
    /// many flushes run at once as there are shards).
    pub fn pool_size(&self) -> u32 {
        self.database_max_connections
            .unwrap_or(10 + u32::from(self.shards))
    }

    /// [`Config::new`] for tests: a free local port.
    pub fn for_tests(
        tenant: TenantId,
        brand: BrandId,
        database_url: SecretString,
        bus: BusConfig,
        tenants_file: PathBuf,
    ) -> Self {
        Self {
            http_addr: config::test_http_addr(),
            operator_addr: config::test_http_addr(),
            ..Self::new(tenant, brand, database_url, bus, tenants_file)
        }
    }

    /// Reads and validates the configuration.
    pub fn from_env() -> anyhow::Result<Self> {
        let tenant = TenantId::parse(var("SELLER_TENANT").context("SELLER_TENANT is required")?)
            .context("SELLER_TENANT is invalid")?;
        let brand = BrandId::parse(var("SELLER_BRAND").context("SELLER_BRAND is required")?)
            .context("SELLER_BRAND is invalid")?;
        let bus = config::bus_from_env(&service_name(&tenant, &brand))?;
        let mut config = Self::new(
            tenant,
            brand,
            config::database_url_from_env()?,
            bus,
            config::tenants_file_from_env(DEFAULT_TENANTS_FILE),
        );
        config.http_addr = SocketAddr::new(
            parse_env("HOST", DEFAULT_HOST, "an IP address")?,
            parse_env("PORT", "8080", "a port number")?,
        );
        config.operator_addr = store_service::config::operator_addr_from_env(9100)?;
        config.llm = llm_from_env()?;
        config.prices = TokenPrices {
            input_per_mtok: number_from_env("LLM_PRICE_INPUT_PER_MTOK", "0")?,
            output_per_mtok: number_from_env("LLM_PRICE_OUTPUT_PER_MTOK", "0")?,
        };
        config.tool_timeout = Duration::from_millis(number_from_env("TOOL_TIMEOUT_MS", "8000")?);
        config.orders_api = match var("ORDERS_API_URL") {
            Some(url) => Some((url, secret_from_env("ORDERS_API_KEY")?)),
            None => None,
        };
        config.history_token_budget = number_from_env("HISTORY_TOKEN_BUDGET", "4000")?;
        config.max_rounds = number_from_env("MAX_TOOL_ROUNDS", "6")?;
        config.llm_turn_budget =
            Duration::from_millis(number_from_env("LLM_TURN_BUDGET_MS", "45000")?);
        config.shards = number_from_env("SELLER_SHARDS", "8")?;
        if var("DATABASE_MAX_CONNECTIONS").is_some() {
            let connections: u32 = number_from_env("DATABASE_MAX_CONNECTIONS", "0")?;
            if connections == 0 {
                bail!("DATABASE_MAX_CONNECTIONS must be at least 1");
            }
            config.database_max_connections = Some(connections);
        }
        config.burst_window = Duration::from_millis(number_from_env(
            "SELLER_BURST_WINDOW_MS",
            &DEFAULT_BURST_WINDOW_MS.to_string(),
        )?);
        config.transcribe = transcribe_from_env()?;
        Ok(config)
    }

    /// The seller's name on the bus, in metrics and in traces:
    /// `seller-agent-<tenant>-<brand>`.
    pub fn service_name(&self) -> String {
        service_name(&self.tenant, &self.brand)
    }
}

fn service_name(tenant: &TenantId, brand: &BrandId) -> String {
    format!("{SERVICE}-{tenant}-{brand}")
}

/// The model from `LLM_PROVIDER`, `LLM_BASE_URL`, `LLM_MODEL`,
/// `LLM_API_KEY` (or `LLM_API_KEY_FILE`), `LLM_TIMEOUT_MS` (default 60000)
/// and `LLM_MAX_RETRIES`; `None` (the offline brain) when `LLM_PROVIDER` is
/// unset or `offline`.
pub fn llm_from_env() -> anyhow::Result<Option<LlmConfig>> {
    let provider = match var("LLM_PROVIDER")
        .map(|p| p.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "offline" | "none") => return Ok(None),
        Some("openai") => Provider::Openai,
        Some("anthropic") => Provider::Anthropic,
        Some(other) => bail!("LLM_PROVIDER={other:?} is not one of openai, anthropic, offline"),
    };
    let default_base = match provider {
        Provider::Openai => "https://api.openai.com/v1",
        Provider::Anthropic => "https://api.anthropic.com",
    };
    let mut llm = LlmConfig::new(
        provider,
        var("LLM_BASE_URL").unwrap_or_else(|| default_base.to_owned()),
        var("LLM_MODEL").context("LLM_MODEL is required with LLM_PROVIDER")?,
    );
    llm.api_key = secret_from_env("LLM_API_KEY")?;
    llm.timeout = Duration::from_millis(number_from_env("LLM_TIMEOUT_MS", "60000")?);
    llm.max_retries = number_from_env("LLM_MAX_RETRIES", &llm.max_retries.to_string())?;
    Ok(Some(llm))
}

/// Voice note transcription from `TRANSCRIBE_BASE_URL` (an OpenAI-compatible
/// server, e.g. `https://api.openai.com/v1`), `TRANSCRIBE_API_KEY` (or
/// `TRANSCRIBE_API_KEY_FILE`), `TRANSCRIBE_MODEL` (default `whisper-1`) and
/// `TRANSCRIBE_TIMEOUT_MS` (default 30000); `None` when the URL is unset.
pub fn transcribe_from_env() -> anyhow::Result<Option<TranscribeConfig>> {
    let Some(base_url) = var("TRANSCRIBE_BASE_URL").filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let url = url::Url::parse(base_url.trim())
        .with_context(|| format!("TRANSCRIBE_BASE_URL={base_url:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("TRANSCRIBE_BASE_URL={base_url:?} is not an http(s) URL");
    }
    let mut transcribe = TranscribeConfig::new(base_url.trim());
    transcribe.api_key = secret_from_env("TRANSCRIBE_API_KEY")?;
    transcribe.model = var("TRANSCRIBE_MODEL").unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    transcribe.timeout = Duration::from_millis(number_from_env("TRANSCRIBE_TIMEOUT_MS", "30000")?);
    Ok(Some(transcribe))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_operator_port_listens_on_loopback_unless_told_otherwise() {
        let config = Config::new(
            TenantId::parse("demo").unwrap(),
            BrandId::parse("fashion").unwrap(),
            SecretString::from("postgres://localhost/seller"),
            BusConfig::new(SERVICE, SecretString::from("amqp://localhost")),
            PathBuf::from(DEFAULT_TENANTS_FILE),
        );

        assert!(config.http_addr.ip().is_loopback(), "{}", config.http_addr);
        assert_eq!(
            DEFAULT_HOST.parse::<std::net::IpAddr>().unwrap(),
            config.http_addr.ip()
        );
        assert_eq!(config.http_addr.port(), 8080);
    }
}
