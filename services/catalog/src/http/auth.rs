//! Authentication: a tenant's API key, or the operator's admin token.

use axum::{extract::FromRequestParts, http::request::Parts};
use store_events::TenantId;

use super::AppState;
use crate::error::ApiError;

/// The tenant whose API key the request carries.
#[derive(Debug, Clone)]
pub struct Tenant(pub TenantId);

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        store_tenancy::authenticate(&state.catalog.pool, &parts.headers)
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
        let given = store_tenancy::bearer(&parts.headers);
        if store_tenancy::is_operator(state.admin_token.as_ref(), given.as_ref()) {
            Ok(Operator)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}
