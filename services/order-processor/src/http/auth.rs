//! Authentication: a tenant's API key, or the operator's admin token.

use axum::{extract::FromRequestParts, http::request::Parts};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};
use store_events::TenantId;

use super::AppState;
use crate::{db, domain::api_key, error::ApiError};

fn bearer(parts: &Parts) -> Option<SecretString> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?;
    let token = value.to_str().ok()?.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| SecretString::from(token.to_owned()))
}

/// The tenant whose API key the request carries.
#[derive(Debug, Clone)]
pub struct Tenant(pub TenantId);

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer(parts).ok_or(ApiError::Unauthorized)?;
        db::tenants::tenant_for_key(&state.orders.pool, &api_key::hash(&key))
            .await?
            .map(Tenant)
            .ok_or(ApiError::Unauthorized)
    }
}

/// The platform operator (the request carries `ADMIN_TOKEN`).
#[derive(Debug, Clone, Copy)]
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (Some(expected), Some(given)) = (&state.admin_token, bearer(parts)) else {
            return Err(ApiError::Unauthorized);
        };
        // Comparing digests keeps the comparison's time independent of
        // where the strings differ.
        let expected = Sha256::digest(expected.expose_secret().as_bytes());
        let given = Sha256::digest(given.expose_secret().as_bytes());
        if expected == given {
            Ok(Operator)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}
