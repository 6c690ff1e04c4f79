//! A service API read with a tenant's key (`Authorization: Bearer …`): the
//! order processor's and the sales assistant's. Missing keys, refused keys,
//! a service that is down or cannot reach its broker all become advice; the
//! caller words what is its own (a 404, a 409).

use anyhow::Context as _;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use crate::{
    UsageError,
    http_error::{Service, status_error, unavailable_hint},
};

/// Where a tenant's key for a service comes from, for advice.
#[derive(Debug, Clone, Copy)]
pub struct KeySource {
    /// The environment variable (and `--api-key`).
    pub env: &'static str,
    /// The file `scripts/run.sh` keeps the keys it made in.
    pub saved_in: &'static str,
}

/// The key `scripts/run.sh` saved for `tenant` in `file` (relative to the
/// working directory: the repository, where the README runs storectl from).
fn saved_key(file: &str, tenant: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let keys: std::collections::BTreeMap<String, String> = serde_json::from_str(&text).ok()?;
    keys.get(tenant).cloned()
}

/// A service API with one tenant's key.
#[derive(Debug, Clone)]
pub struct KeyedApi {
    /// The service.
    pub service: Service,
    /// The tenant the key is for.
    pub tenant: String,
    source: KeySource,
    api_key: String,
    http: reqwest::Client,
}

impl KeyedApi {
    /// A client for `tenant`: the key given, else the one `scripts/run.sh`
    /// saved; one is required.
    pub fn new(
        service: Service,
        tenant: &str,
        api_key: Option<String>,
        source: KeySource,
    ) -> Result<Self, UsageError> {
        let api_key = api_key
            .filter(|k| !k.trim().is_empty())
            .or_else(|| saved_key(source.saved_in, tenant));
        let api_key = api_key.ok_or_else(|| {
            UsageError(format!(
                "{} needs tenant {tenant:?}'s API key: pass --api-key or set {} (scripts/run.sh keeps the keys it made in {})",
                service.name, source.env, source.saved_in
            ))
        })?;
        Ok(Self {
            service,
            tenant: tenant.to_owned(),
            source,
            api_key,
            http: reqwest::Client::new(),
        })
    }

    /// A `GET` of `path`.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(self.service.url(path))
    }

    /// A `POST` of `path`.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.http.post(self.service.url(path))
    }

    /// Sends `request` with the key and returns the JSON answer. A failure
    /// `own` words (given status and body) is reported its way; the others
    /// get the common advice, with `what` naming the request.
    pub async fn send(
        &self,
        request: RequestBuilder,
        what: &str,
        own: impl Fn(StatusCode, &str) -> Option<anyhow::Error>,
    ) -> anyhow::Result<Value> {
        let response = request
            .bearer_auth(&self.api_key)
            .send()
            .await
            .map_err(|e| self.service.unreachable(&e))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json()
                .await
                .with_context(|| format!("Failed to read {}'s answer", self.service.name));
        }
        let body = response.text().await.unwrap_or_default();
        if let Some(error) = own(status, &body) {
            return Err(error);
        }
        Err(match status {
            StatusCode::UNAUTHORIZED => anyhow::anyhow!(
                "{} refused the API key for tenant {:?} (401): check --api-key / {}",
                self.service.name,
                self.tenant,
                self.source.env
            ),
            StatusCode::SERVICE_UNAVAILABLE => anyhow::anyhow!(unavailable_hint(&self.service)),
            _ => status_error(what, status, &body),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_key_is_found_by_tenant() {
        let dir = std::env::temp_dir().join(format!("storectl-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("orders-api-keys.json");
        std::fs::write(&file, r#"{"demo": "ord_demo", "bakery": "ord_bakery"}"#).unwrap();
        let file = file.to_str().unwrap();

        assert_eq!(saved_key(file, "bakery").as_deref(), Some("ord_bakery"));
        assert_eq!(saved_key(file, "other"), None);
        assert_eq!(saved_key("/nonexistent/keys.json", "demo"), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
