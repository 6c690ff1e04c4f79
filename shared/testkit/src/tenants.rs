//! Tenants of a service under test, created the way the operator creates
//! them: `POST /admin/tenants` with the admin token, which answers the new
//! tenant's API key once. Every service with tenant API keys (catalog,
//! order processor, sales assistant) is given [`ADMIN_TOKEN`] in its tests.

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::TestApp;

/// The operator token services under test are given (`ADMIN_TOKEN`).
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// Creates tenant `id` called `name` on the service whose operator port is
/// at `address` (`http://127.0.0.1:<port>`, a [`TestApp`] or a service
/// process);
/// returns its API key. Anything but `201 Created` is an error.
pub async fn create_tenant(
    http: &reqwest::Client,
    address: &str,
    id: &str,
    name: &str,
) -> anyhow::Result<String> {
    let response = http
        .post(format!("{address}/admin/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"id": id, "name": name}))
        .send()
        .await
        .with_context(|| format!("Failed to ask {address} for tenant {id}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    anyhow::ensure!(
        status == reqwest::StatusCode::CREATED,
        "POST {address}/admin/tenants for {id} answered {status}: {body}"
    );
    let body: Value = serde_json::from_str(&body).context("the answer is not JSON")?;
    body["api_key"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no api_key in {body}"))
}

impl TestApp {
    /// Creates tenant `id` called `name` on this service (which must have
    /// been given [`ADMIN_TOKEN`]); returns its API key.
    pub async fn create_tenant(&self, id: &str, name: &str) -> anyhow::Result<String> {
        create_tenant(&self.http, &self.operator, id, name).await
    }
}
