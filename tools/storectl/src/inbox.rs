//! `storectl inbox owner`: a tenant's first owner of the human sellers'
//! inbox, through the sales assistant's operator endpoint
//! (`POST /admin/tenants/{tenant}/owners` on its operator port, with the
//! operator token). With a password the owner can sign in at once (the
//! sign-in page's address is printed); without, an invitation link is
//! printed for the owner to set their own.

use std::path::Path;

use reqwest::StatusCode;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde_json::json;

use crate::{
    UsageError,
    http_error::{Service, status_error},
};

/// Environment variables holding the operator token, in order.
pub const TOKEN_ENVS: [&str; 2] = ["STORE_ADMIN_TOKEN", "ADMIN_TOKEN"];

/// The owner to make.
#[derive(Debug)]
pub struct NewOwner {
    /// Tenant id.
    pub tenant: String,
    /// Their sign-in address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their password, if the operator sets it.
    pub password: Option<SecretString>,
}

/// What the sales assistant made.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Created {
    /// The owner can sign in at `sign_in_url`.
    Account {
        /// The tenant.
        tenant: String,
        /// Their sign-in address.
        email: String,
        /// The inbox's sign-in page.
        sign_in_url: String,
    },
    /// The owner is invited; the link is shown once.
    Invitation {
        /// The tenant.
        tenant: String,
        /// The address invited.
        email: String,
        /// The one-time link.
        invitation_url: String,
        /// When it stops working.
        expires_at: String,
    },
}

/// The operator token: `--admin-token`, else `STORE_ADMIN_TOKEN`, else
/// `ADMIN_TOKEN`.
pub fn operator_token(given: Option<String>) -> Result<SecretString, UsageError> {
    given
        .into_iter()
        .chain(TOKEN_ENVS.iter().filter_map(|name| std::env::var(name).ok()))
        .find(|t| !t.trim().is_empty())
        .map(|t| SecretString::from(t.trim().to_owned()))
        .ok_or_else(|| {
            UsageError(format!(
                "the operator endpoint needs the sales assistant's ADMIN_TOKEN: pass --admin-token or set {}",
                TOKEN_ENVS.join(" or ")
            ))
        })
}

/// The password in `file` (its first line, without the line end).
pub fn password_from_file(file: &Path) -> Result<SecretString, UsageError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        UsageError(format!(
            "cannot read the password file {}: {e}",
            file.display()
        ))
    })?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(UsageError(format!(
            "the password file {} is empty",
            file.display()
        )));
    }
    Ok(SecretString::from(line.to_owned()))
}

/// Asks the sales assistant's operator endpoint at `operator` for `owner`.
pub async fn create_owner(
    operator: &str,
    token: &SecretString,
    owner: &NewOwner,
) -> anyhow::Result<Created> {
    let service = Service {
        name: "the sales assistant's operator endpoint",
        base: operator.to_owned(),
    };
    let mut body = json!({"email": owner.email, "name": owner.name});
    if let Some(password) = &owner.password {
        body["password"] = json!(password.expose_secret());
    }
    let path = format!(
        "/admin/tenants/{}/owners",
        crate::webhook::url_segment(&owner.tenant)
    );
    let response = reqwest::Client::new()
        .post(service.url(&path))
        .bearer_auth(token.expose_secret())
        .json(&body)
        .send()
        .await
        .map_err(|e| service.unreachable(&e))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    match status {
        StatusCode::CREATED => Ok(serde_json::from_str(&text)?),
        StatusCode::UNAUTHORIZED => Err(anyhow::anyhow!(
            "{} refused the operator token: give the sales assistant's ADMIN_TOKEN",
            service.name
        )),
        StatusCode::NOT_FOUND => Err(anyhow::anyhow!(
            "{} at {} has no owners endpoint: is that the operator port (OPERATOR_PORT, 9090 by default), not the public one?",
            service.name,
            crate::http_error::redact(operator)
        )),
        _ => Err(status_error("creating the owner", status, &text)),
    }
}

/// What to print.
pub fn render(created: &Created) -> String {
    match created {
        Created::Account {
            tenant,
            email,
            sign_in_url,
        } => format!("Owner {email} of {tenant} created. Sign in at:\n{sign_in_url}\n"),
        Created::Invitation {
            tenant,
            email,
            invitation_url,
            expires_at,
        } => format!(
            "Invitation for {email}, owner of {tenant} (works once, until {expires_at}). Send them this link:\n{invitation_url}\n"
        ),
    }
}
