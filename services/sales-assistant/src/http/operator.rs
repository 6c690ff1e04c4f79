//! The operator's endpoint for a tenant's first owner, served only on the
//! operator's listener (`OPERATOR_HOST`:`OPERATOR_PORT`, loopback by
//! default), never on the public port:
//!
//! `POST /admin/tenants/{tenant}/owners` with the operator token
//! (`Authorization: Bearer <ADMIN_TOKEN>`) and `{"email", "name",
//! "password"?}`: with a password the owner is created and can sign in at
//! once (201 `{"tenant", "account_id", "email", "sign_in_url"}`); without,
//! an invitation is made (201 `{"tenant", "email", "invitation_url",
//! "expires_at"}`, the link shown once). Errors are the API's JSON errors.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::post,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store_events::TenantId;
use uuid::Uuid;

use super::{AppState, auth::Operator, extract::JsonBody};
use crate::{
    accounts::{
        Role,
        input::Name,
        invitations::{self, Invitee, Refusal},
    },
    error::ApiError,
};

/// The operator's routes (`POST /admin/tenants`, a shop's first owner),
/// for the operator listener only.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(store_service::tenants::admin_router())
        .route("/admin/tenants/{tenant}/owners", post(create_owner))
        .with_state(state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOwner {
    email: String,
    name: String,
    password: Option<String>,
}

/// What the operator is answered.
#[derive(Serialize)]
#[serde(untagged)]
enum Created {
    /// The owner exists and can sign in.
    Account {
        tenant: String,
        account_id: Uuid,
        email: String,
        sign_in_url: String,
    },
    /// The owner is invited.
    Invitation {
        tenant: String,
        email: String,
        invitation_url: String,
        expires_at: DateTime<Utc>,
    },
}

fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::AddressTaken(_) => ApiError::Conflict(refusal.to_string()),
        Refusal::Internal(error) => ApiError::Internal(error),
        other => ApiError::BadRequest(other.to_string()),
    }
}

async fn create_owner(
    _: Operator,
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<NewOwner>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let tenant = TenantId::parse(&tenant).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let pool = &state.inbox.pool;
    let created = match body.password {
        Some(password) => {
            let (account_id, email) = invitations::create_owner(
                pool,
                tenant.as_str(),
                &body.email,
                &body.name,
                &password,
            )
            .await
            .map_err(refused)?;
            tracing::info!(tenant = %tenant, account = %account_id, "owner created by the operator");
            Created::Account {
                tenant: tenant.to_string(),
                account_id,
                email,
                sign_in_url: format!("{}/inbox/sign-in", state.public_url),
            }
        }
        None => {
            let name = Name::parse(&body.name).map_err(ApiError::BadRequest)?;
            let invitation = invitations::invite(
                pool,
                &state.public_url,
                tenant.as_str(),
                &Invitee {
                    email: body.email,
                    name: Some(name.as_str().to_owned()),
                    role: Role::Owner,
                    brands: Vec::new(),
                },
                None,
            )
            .await
            .map_err(refused)?;
            Created::Invitation {
                tenant: tenant.to_string(),
                email: invitation.email,
                invitation_url: invitation.url,
                expires_at: invitation.expires_at,
            }
        }
    };
    Ok((StatusCode::CREATED, Json(created)))
}
