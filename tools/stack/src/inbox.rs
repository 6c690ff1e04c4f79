//! The human sellers' inbox of a local store: an owner account per tenant,
//! created through the sales assistant's operator endpoint
//! (`POST /admin/tenants/{tenant}/owners`, on its operator port only) on
//! the first start, its generated password saved in the state directory
//! (mode 0600) so the same sign-in works on every later start.

use std::{collections::BTreeMap, path::Path};

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

/// The file the owners' sign-ins are saved in.
pub const OWNERS_FILE: &str = "inbox-owners.json";

/// One tenant's owner sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSignIn {
    /// The sign-in email.
    pub email: String,
    /// The password, generated on the first start.
    pub password: String,
}

/// The owners' sign-ins, by tenant.
pub type Owners = BTreeMap<String, OwnerSignIn>;

/// The demo owner's email of `tenant` (`.test` is reserved: it never
/// reaches anyone).
pub fn owner_email(tenant: &str) -> String {
    format!("owner@{tenant}.test")
}

/// Makes sure every tenant in `tenants` (id, display name) has an owner
/// account; returns their sign-ins. `operator` is the sales assistant's
/// operator base URL.
pub async fn ensure_owners(
    http: &reqwest::Client,
    operator: &str,
    token: &SecretString,
    state_dir: &Path,
    tenants: &[(String, String)],
) -> anyhow::Result<Owners> {
    let path = state_dir.join(OWNERS_FILE);
    let mut saved: Owners = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid; delete it with --reset", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Owners::new(),
        Err(e) => return Err(e).with_context(|| format!("Failed to read {}", path.display())),
    };
    for (tenant, name) in tenants {
        let sign_in = saved.entry(tenant.clone()).or_insert_with(|| OwnerSignIn {
            email: owner_email(tenant),
            password: uuid::Uuid::new_v4().simple().to_string(),
        });
        let response = http
            .post(format!("{operator}/admin/tenants/{tenant}/owners"))
            .bearer_auth(token.expose_secret())
            .json(&serde_json::json!({
                "email": sign_in.email,
                "name": format!("{name} owner"),
                "password": sign_in.password,
            }))
            .send()
            .await
            .context("The sales assistant's operator endpoint did not answer")?;
        match response.status() {
            status if status.is_success() => {}
            // Created on an earlier start with the saved password.
            reqwest::StatusCode::CONFLICT => {}
            status => anyhow::bail!(
                "the sales assistant refused to create the owner of {tenant}: {status} {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
    crate::files::write_private(&path, &serde_json::to_string_pretty(&saved)?)?;
    Ok(saved)
}
