//! Order-processor API keys for the sellers: one per tenant, created through
//! the operator's `/admin/tenants` endpoint on first start and saved in the
//! state directory (mode 0600) so later starts reuse them.

use std::{collections::BTreeMap, path::Path};

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

const FILE: &str = "orders-api-keys.json";

/// Saved keys, by tenant.
pub type Keys = BTreeMap<String, String>;

/// Reads the saved keys (none when the file is missing).
pub fn load(state_dir: &Path) -> anyhow::Result<Keys> {
    let path = state_dir.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid; delete it with --reset", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keys::new()),
        Err(e) => Err(e).with_context(|| format!("Failed to read {}", path.display())),
    }
}

/// Saves `keys`, readable by this user only.
pub fn save(state_dir: &Path, keys: &Keys) -> anyhow::Result<()> {
    crate::files::write_private(&state_dir.join(FILE), &serde_json::to_string_pretty(keys)?)
}

#[derive(Deserialize)]
struct Created {
    api_key: String,
}

/// A working key for `tenant`: the saved one if the order processor accepts
/// it, else a new tenant created with `admin_token`.
pub async fn ensure(
    http: &reqwest::Client,
    orders_url: &str,
    admin_token: &SecretString,
    keys: &mut Keys,
    tenant: &str,
    tenant_name: &str,
) -> anyhow::Result<String> {
    if let Some(key) = keys.get(tenant) {
        let probe = http
            .get(format!(
                "{orders_url}/api/v1/orders?customer_id=store-up-probe"
            ))
            .bearer_auth(key)
            .send()
            .await?;
        if probe.status().is_success() {
            return Ok(key.clone());
        }
    }
    let response = http
        .post(format!("{orders_url}/admin/tenants"))
        .bearer_auth(admin_token.expose_secret())
        .json(&serde_json::json!({ "id": tenant, "name": tenant_name }))
        .send()
        .await
        .context("The order processor did not answer")?;
    match response.status() {
        status if status.is_success() => {
            let created: Created = response.json().await?;
            keys.insert(tenant.to_owned(), created.api_key.clone());
            Ok(created.api_key)
        }
        reqwest::StatusCode::CONFLICT => anyhow::bail!(
            "tenant {tenant} exists in the order processor's database but its saved API key is \
             missing or wrong; start again with --reset to recreate the local databases"
        ),
        status => anyhow::bail!(
            "the order processor refused to create tenant {tenant}: {status} {}",
            response.text().await.unwrap_or_default()
        ),
    }
}
