//! Configuration from the environment (12-factor); the persona comes from
//! the tenant file.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, bail};
use secrecy::SecretString;
use store_bus::BusConfig;
use store_events::{BrandId, TenantId};

use crate::{
    llm::{LlmConfig, Provider},
    metrics::TokenPrices,
};

/// Everything the seller needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tenant served (`SELLER_TENANT`).
    pub tenant: TenantId,
    /// Brand served (`SELLER_BRAND`): one deployment per brand.
    pub brand: BrandId,
    /// The tenant file with the persona (`TENANTS_FILE`).
    pub tenants_file: PathBuf,
    /// PostgreSQL (`DATABASE_URL`).
    pub database_url: SecretString,
    /// The bus.
    pub bus: BusConfig,
    /// Port of the HTTP server with `/healthz`, `/readyz`, `/metrics` (`PORT`, 0 = any).
    pub port: u16,
    /// The model, or `None` for the offline brain (`LLM_PROVIDER` unset or `offline`).
    pub llm: Option<LlmConfig>,
    /// Token prices for the cost estimate (`LLM_PRICE_INPUT_PER_MTOK`, `LLM_PRICE_OUTPUT_PER_MTOK`).
    pub prices: TokenPrices,
    /// How long a catalog or order request may take (`TOOL_TIMEOUT_MS`).
    pub tool_timeout: Duration,
    /// The order processor's HTTP API (`ORDERS_API_URL`, `ORDERS_API_KEY`).
    pub orders_api: Option<(String, Option<SecretString>)>,
    /// Token budget of the verbatim history before older messages are
    /// summarized (`HISTORY_TOKEN_BUDGET`).
    pub history_token_budget: usize,
    /// Model calls per turn (`MAX_TOOL_ROUNDS`).
    pub max_rounds: u32,
    /// First word of the seller's queue names (`SELLER_QUEUE_PREFIX`,
    /// default `seller`): queues are `<prefix>.<tenant>.<brand>…`.
    pub queue_prefix: String,
    /// Conversation shards: conversations are spread over this many ordered
    /// queues (`SELLER_SHARDS`); every replica must use the same number.
    pub shards: u16,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A secret from `NAME` or from the file named by `NAME_FILE` (Kubernetes secrets).
fn secret(name: &str) -> anyhow::Result<Option<SecretString>> {
    if let Some(value) = var(name) {
        return Ok(Some(SecretString::from(value)));
    }
    match var(&format!("{name}_FILE")) {
        Some(path) => {
            let value = std::fs::read_to_string(&path)
                .with_context(|| format!("Failed to read {name}_FILE ({path})"))?;
            Ok(Some(SecretString::from(value.trim().to_owned())))
        }
        None => Ok(None),
    }
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        Some(v) => v
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is invalid: {e}")),
        None => Ok(default),
    }
}

/// The model from `LLM_PROVIDER`, `LLM_BASE_URL`, `LLM_MODEL`,
/// `LLM_API_KEY` (or `LLM_API_KEY_FILE`), `LLM_TIMEOUT_MS` and
/// `LLM_MAX_RETRIES`; `None` (the offline brain) when `LLM_PROVIDER` is
/// unset or `offline`.
pub fn llm_from_env() -> anyhow::Result<Option<LlmConfig>> {
    let provider = match var("LLM_PROVIDER")
        .map(|p| p.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("offline" | "none") => return Ok(None),
        Some("openai") => Provider::Openai,
        Some("anthropic") => Provider::Anthropic,
        Some(other) => bail!("LLM_PROVIDER={other:?} is not one of openai, anthropic, offline"),
    };
    let default_base = match provider {
        Provider::Openai => "https://api.openai.com/v1",
        Provider::Anthropic => "https://api.anthropic.com",
    };
    let mut config = LlmConfig::new(
        provider,
        var("LLM_BASE_URL").unwrap_or_else(|| default_base.to_owned()),
        var("LLM_MODEL").context("LLM_MODEL is required with LLM_PROVIDER")?,
    );
    config.api_key = secret("LLM_API_KEY")?;
    config.timeout = Duration::from_millis(parse_var("LLM_TIMEOUT_MS", 60_000)?);
    config.max_retries = parse_var("LLM_MAX_RETRIES", config.max_retries)?;
    Ok(Some(config))
}

impl Config {
    /// Reads and validates the configuration.
    pub fn from_env() -> anyhow::Result<Self> {
        let tenant = TenantId::parse(var("SELLER_TENANT").context("SELLER_TENANT is required")?)
            .context("SELLER_TENANT is invalid")?;
        let brand = BrandId::parse(var("SELLER_BRAND").context("SELLER_BRAND is required")?)
            .context("SELLER_BRAND is invalid")?;
        let service = format!("seller-agent-{tenant}-{brand}");
        let llm = llm_from_env()?;
        let orders_api = match var("ORDERS_API_URL") {
            Some(url) => Some((url, secret("ORDERS_API_KEY")?)),
            None => None,
        };
        Ok(Self {
            tenant,
            brand,
            tenants_file: PathBuf::from(
                var("TENANTS_FILE").unwrap_or_else(|| "config/tenants.demo.yaml".to_owned()),
            ),
            database_url: SecretString::from(
                var("DATABASE_URL").context("DATABASE_URL is required")?,
            ),
            bus: store_service::config::bus_from_env(&service)?,
            port: parse_var("PORT", 8080)?,
            llm,
            prices: TokenPrices {
                input_per_mtok: parse_var("LLM_PRICE_INPUT_PER_MTOK", 0.0)?,
                output_per_mtok: parse_var("LLM_PRICE_OUTPUT_PER_MTOK", 0.0)?,
            },
            tool_timeout: Duration::from_millis(parse_var("TOOL_TIMEOUT_MS", 8_000)?),
            orders_api,
            history_token_budget: parse_var("HISTORY_TOKEN_BUDGET", 4_000)?,
            max_rounds: parse_var("MAX_TOOL_ROUNDS", 6)?,
            queue_prefix: var("SELLER_QUEUE_PREFIX").unwrap_or_else(|| "seller".to_owned()),
            shards: parse_var("SELLER_SHARDS", 8)?,
        })
    }
}
