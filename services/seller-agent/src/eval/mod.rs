//! The evaluation harness: scripted shoppers played against the real shop.
//!
//! Scenarios ([`scenario::Scenario`], YAML files in
//! `services/seller-agent/eval/scenarios/`) say what a shopper writes, turn
//! by turn, and what must hold of the seller's replies and of the shop
//! afterwards: products the catalog has, only catalog prices (the seller's
//! own honesty guard with facts from the real catalog), the shopper's
//! language, no discount promised, an order with the right quantity and
//! total, an escalation. [`harness::run`] starts the real shop
//! ([`shop::Shop`]: the catalog seeded with the demo catalog, the order
//! processor and a seller per brand, in-process on a private exchange and
//! fresh databases), plays every scenario on the bus and returns a
//! [`report::Report`], written as a Markdown table by the `seller-eval`
//! binary. The seller's black-box tests start the same [`shop::Shop`].
//!
//! The model is any configured endpoint ([`llm_from_env`]) or the offline
//! brain.

pub mod harness;
pub mod report;
pub mod scenario;
pub mod shop;

use std::time::Duration;

use anyhow::{Context as _, bail};
use secrecy::SecretString;

pub use harness::{Options, run};
pub use report::Report;

use crate::llm::{LlmConfig, Provider};

/// The model from the seller's own variables (`LLM_PROVIDER`,
/// `LLM_BASE_URL`, `LLM_MODEL`, `LLM_API_KEY`, `LLM_TIMEOUT_MS`); `None`
/// when `LLM_PROVIDER` is unset or `offline`.
pub fn llm_from_env() -> anyhow::Result<Option<LlmConfig>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
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
    config.api_key = var("LLM_API_KEY").map(SecretString::from);
    if let Some(ms) = var("LLM_TIMEOUT_MS") {
        config.timeout = Duration::from_millis(ms.parse().context("LLM_TIMEOUT_MS is invalid")?);
    }
    Ok(Some(config))
}
