//! Tenant API keys of the services that have them (the order processor for
//! the sellers, the sales assistant for the human sellers): one per tenant,
//! created through the service's operator endpoint `/admin/tenants` on the
//! first start and saved in the state directory (mode 0600, one file per
//! service) so later starts reuse them.

use std::{collections::BTreeMap, path::Path};

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

/// Saved keys, by tenant.
pub type Keys = BTreeMap<String, String>;

/// A service whose tenants have API keys.
#[derive(Debug, Clone, Copy)]
pub struct KeyedService {
    /// Its name in messages, e.g. `order processor`.
    pub name: &'static str,
    /// The file the keys are saved in, e.g. `orders-api-keys.json`.
    pub file: &'static str,
    /// A `GET` path any valid key may read, to check a saved key.
    pub probe: &'static str,
}

/// The order processor.
pub const ORDERS: KeyedService = KeyedService {
    name: "order processor",
    file: "orders-api-keys.json",
    probe: "/api/v1/orders?customer_id=store-up-probe",
};

/// The sales assistant.
pub const SALES: KeyedService = KeyedService {
    name: "sales assistant",
    file: "sales-api-keys.json",
    probe: "/api/v1/handoffs?status=open",
};

/// Reads the saved keys of `service` (none when the file is missing).
pub fn load(state_dir: &Path, service: KeyedService) -> anyhow::Result<Keys> {
    let path = state_dir.join(service.file);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid; delete it with --reset", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keys::new()),
        Err(e) => Err(e).with_context(|| format!("Failed to read {}", path.display())),
    }
}

/// Saves the keys of `service`, readable by this user only.
pub fn save(state_dir: &Path, service: KeyedService, keys: &Keys) -> anyhow::Result<()> {
    crate::files::write_private(
        &state_dir.join(service.file),
        &serde_json::to_string_pretty(keys)?,
    )
}

#[derive(Deserialize)]
struct Created {
    api_key: String,
}

/// Where a keyed service answers and how to be its operator.
pub struct Admin<'a> {
    /// The HTTP client.
    pub http: &'a reqwest::Client,
    /// Which service.
    pub service: KeyedService,
    /// Its operator port's base URL (`/admin/tenants`).
    pub url: &'a str,
    /// Its operator token.
    pub token: &'a SecretString,
}

impl Admin<'_> {
    /// A working key for `tenant`: the saved one if the service accepts it,
    /// else a new tenant created with the operator token.
    pub async fn ensure(
        &self,
        keys: &mut Keys,
        tenant: &str,
        name: &str,
    ) -> anyhow::Result<String> {
        let service = self.service.name;
        if let Some(key) = keys.get(tenant) {
            let probe = self
                .http
                .get(format!("{}{}", self.url, self.service.probe))
                .bearer_auth(key)
                .send()
                .await?;
            if probe.status().is_success() {
                return Ok(key.clone());
            }
        }
        let response = self
            .http
            .post(format!("{}/admin/tenants", self.url))
            .bearer_auth(self.token.expose_secret())
            .json(&serde_json::json!({ "id": tenant, "name": name }))
            .send()
            .await
            .with_context(|| format!("The {service} did not answer"))?;
        match response.status() {
            status if status.is_success() => {
                let created: Created = response.json().await?;
                keys.insert(tenant.to_owned(), created.api_key.clone());
                Ok(created.api_key)
            }
            reqwest::StatusCode::CONFLICT => anyhow::bail!(
                "tenant {tenant} exists in the {service}'s database but its saved API key is \
                 missing or wrong; start again with --reset to recreate the local databases"
            ),
            status => anyhow::bail!(
                "the {service} refused to create tenant {tenant}: {status} {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
}
