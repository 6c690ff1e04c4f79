//! Shopper messages let in per tenant and per shopper, on every channel and
//! across every replica (buckets in PostgreSQL, `db::rate_limits`, the
//! tenant's taken a lease at a time, `crate::tenant_allowance`; shapes in
//! [`crate::config::InboundLimits`]). Checked once a webhook is
//! authenticated and parsed, before anything is kept: one token per message
//! from the tenant's bucket and from each shopper's (the shoppers' buckets
//! of every webhook waiting at the moment taken in one statement:
//! `db::rate_limits::Takes`). Over either, the whole
//! delivery is refused with 429 and `Retry-After`, and WhatsApp and Telegram
//! deliver it again later: a flood is slowed, never lost. (Tokens taken
//! before the refusal stay spent; the buckets refill.)
//!
//! A shopper's bucket is named by a digest of the tenant, channel and
//! shopper id, so the table holds no phone number.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::{
    domain::rate_limit::Limited,
    error::{ApiError, GatewayError, db_unavailable},
    state::AppState,
};

/// Takes a token per message of `shoppers` (each shopper's key, once per
/// message) from `tenant`'s bucket and each shopper's.
pub async fn limit_inbound(
    state: &AppState,
    tenant: &str,
    shoppers: impl IntoIterator<Item = String>,
) -> Result<(), ApiError> {
    let mut per_shopper: BTreeMap<String, u32> = BTreeMap::new();
    for shopper in shoppers {
        *per_shopper.entry(shopper).or_default() += 1;
    }
    let total: u32 = per_shopper.values().sum();
    if total == 0 {
        return Ok(());
    }
    limit_tenant(state, tenant, total).await?;
    let asks = per_shopper
        .into_iter()
        .map(|(shopper, count)| {
            (
                format!("inbound:shopper:{}", digest(tenant, &shopper)),
                count,
            )
        })
        .collect();
    let taken = state
        .shopper_takes
        .ask(asks)
        .await
        .map_err(|e| db_unavailable(e.into_sqlx()))?;
    taken.into_iter().try_for_each(refuse_if_limited)
}

/// Takes `count` tokens from `tenant`'s bucket only (the web chat, whose
/// sessions have buckets of their own: `crate::webchat_guard`).
pub async fn limit_tenant(state: &AppState, tenant: &str, count: u32) -> Result<(), ApiError> {
    refuse_if_limited(
        state
            .allowance
            .take(
                &state.pool,
                &format!("inbound:tenant:{tenant}"),
                state.inbound.per_tenant,
                count,
            )
            .await
            .map_err(db_unavailable)?,
    )
}

fn refuse_if_limited(taken: Result<(), Limited>) -> Result<(), ApiError> {
    taken.map_err(|limited| GatewayError::RateLimited(limited.retry_after_secs()).into())
}

/// The bucket name of a shopper: no phone number in the table.
fn digest(tenant: &str, shopper: &str) -> String {
    let hash = Sha256::new()
        .chain_update(tenant.as_bytes())
        .chain_update([0])
        .chain_update(shopper.as_bytes())
        .finalize();
    hex::encode(&hash[..16])
}
