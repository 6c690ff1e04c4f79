//! The operator's endpoints: creating tenants (with their first API key).

use axum::{Json, Router, extract::State, http::StatusCode, routing::post};
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use store_events::TenantId;

use super::{AppState, auth::Operator};
use crate::{db, domain::api_key, error::ApiError};

/// `/admin/tenants`.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/tenants", post(create_tenant))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTenant {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct CreatedTenant {
    tenant: String,
    /// Shown once; only its hash is stored.
    api_key: String,
}

async fn create_tenant(
    _: Operator,
    State(state): State<AppState>,
    Json(body): Json<NewTenant>,
) -> Result<(StatusCode, Json<CreatedTenant>), ApiError> {
    let tenant = TenantId::parse(&body.id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if body.name.trim().is_empty() {
        return Err(ApiError::BadRequest("name is empty".to_owned()));
    }
    let key = api_key::generate();
    db::tenants::create_tenant(
        &state.orders.pool,
        &tenant,
        body.name.trim(),
        &api_key::hash(&key),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTenant {
            tenant: tenant.to_string(),
            api_key: key.expose_secret().to_owned(),
        }),
    ))
}
