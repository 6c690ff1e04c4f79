//! Tenants over HTTP, the same in every service that keeps its own
//! `tenant` and `api_key` tables (see `store-tenancy`): the [`Tenant`]
//! and [`Operator`] extractors and the operator's `POST /admin/tenants`,
//! which creates a tenant with its first API key (shown once).

use axum::{
    Json, Router,
    extract::{FromRequestParts, State},
    http::{StatusCode, request::Parts},
    routing::post,
};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use store_events::TenantId;

use crate::error::{ApiError, DomainError};

/// What the tenant extractors and handler need of a service's HTTP state.
pub trait TenantState: Clone + Send + Sync + 'static {
    /// The service's own refusals (its `ApiError` is `ApiError<Self::Domain>`).
    type Domain: DomainError;

    /// Prefix of the service's API keys (`cat_`), so a leaked one is
    /// recognisable.
    const API_KEY_PREFIX: &'static str;

    /// The database holding the service's `tenant` and `api_key` tables.
    fn pool(&self) -> &PgPool;

    /// The operator token for `/admin`; `None` closes `/admin`.
    fn admin_token(&self) -> Option<&SecretString>;
}

/// The tenant whose API key the request carries.
#[derive(Debug, Clone)]
pub struct Tenant(pub TenantId);

impl<S: TenantState> FromRequestParts<S> for Tenant {
    type Rejection = ApiError<S::Domain>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        store_tenancy::authenticate(state.pool(), &parts.headers)
            .await?
            .map(Tenant)
            .ok_or(ApiError::Unauthorized)
    }
}

/// The platform operator (the request carries `ADMIN_TOKEN`).
#[derive(Debug, Clone, Copy)]
pub struct Operator;

impl<S: TenantState> FromRequestParts<S> for Operator {
    type Rejection = ApiError<S::Domain>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let given = store_tenancy::bearer(&parts.headers);
        if store_tenancy::is_operator(state.admin_token(), given.as_ref()) {
            Ok(Operator)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// `POST /admin/tenants`.
pub fn admin_router<S: TenantState>() -> Router<S> {
    Router::new().route("/admin/tenants", post(create_tenant::<S>))
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

async fn create_tenant<S: TenantState>(
    _: Operator,
    State(state): State<S>,
    Json(body): Json<NewTenant>,
) -> Result<(StatusCode, Json<CreatedTenant>), ApiError<S::Domain>> {
    let tenant = TenantId::parse(&body.id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if body.name.trim().is_empty() {
        return Err(ApiError::BadRequest("name is empty".to_owned()));
    }
    let key = store_tenancy::generate_key(S::API_KEY_PREFIX);
    store_tenancy::create_tenant(
        state.pool(),
        &tenant,
        body.name.trim(),
        &store_tenancy::hash_key(&key),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::{
        body::{Body, to_bytes},
        http::{Request, header},
    };
    use serde_json::{Value, json};
    use tower::ServiceExt as _;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum NoRefusals {}

    impl DomainError for NoRefusals {
        fn status_and_code(&self) -> (StatusCode, &'static str) {
            match *self {}
        }

        fn from_constraint(_: &str) -> Option<ApiError<Self>> {
            None
        }
    }

    /// A state whose database is never reached: these requests are refused
    /// before any query.
    #[derive(Clone)]
    struct Unreachable {
        pool: PgPool,
        admin_token: Option<SecretString>,
    }

    impl TenantState for Unreachable {
        type Domain = NoRefusals;
        const API_KEY_PREFIX: &'static str = "tst_";

        fn pool(&self) -> &PgPool {
            &self.pool
        }

        fn admin_token(&self) -> Option<&SecretString> {
            self.admin_token.as_ref()
        }
    }

    fn app(admin_token: Option<&str>) -> Router {
        let pool = PgPool::connect_lazy("postgres://nobody@127.0.0.1:1/none").unwrap();
        admin_router().with_state(Unreachable {
            pool,
            admin_token: admin_token.map(SecretString::from),
        })
    }

    async fn post(app: Router, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request =
            Request::post("/admin/tenants").header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = app
            .oneshot(request.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn only_the_operator_may_create_tenants() {
        let body = json!({"id": "alice", "name": "Alice"});

        let closed = post(app(None), Some("anything"), body.clone()).await;
        let wrong = post(app(Some("s3cret")), Some("guess"), body.clone()).await;
        let missing = post(app(Some("s3cret")), None, body).await;

        let unauthorized = (
            401,
            json!({"code": "unauthorized", "detail": "a valid API key is required"}),
        );
        assert_eq!(closed, unauthorized);
        assert_eq!(wrong, unauthorized);
        assert_eq!(missing, unauthorized);
    }

    #[tokio::test]
    async fn a_bad_id_or_an_empty_name_is_refused_with_a_reason() {
        let bad_id = post(
            app(Some("s3cret")),
            Some("s3cret"),
            json!({"id": "Not An Id!", "name": "A"}),
        )
        .await;
        let no_name = post(
            app(Some("s3cret")),
            Some("s3cret"),
            json!({"id": "alice", "name": "  "}),
        )
        .await;

        assert_eq!(bad_id.0, 422);
        assert_eq!(bad_id.1["code"], "bad_request");
        assert_eq!(
            no_name,
            (
                422,
                json!({"code": "bad_request", "detail": "name is empty"})
            )
        );
    }
}
