//! The one error type of a service's HTTP API. The refusals every service
//! makes (unauthorized, not found, bad request, conflict, internal) are
//! [`ApiError`]'s own variants; a service adds its own refusals and names
//! its own database constraints through [`DomainError`], and uses
//! `type ApiError = store_service::ApiError<ItsDomainError>`.
//!
//! Each variant maps to a status and a stable `code`; the body is
//! `{"code", "detail"}`; 5xx bodies carry no internals (the cause chain is
//! logged once, here); a refusal that says when to try again carries
//! `Retry-After`.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header::RETRY_AFTER},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// The constraint `store-tenancy`'s `tenant` table guards its ids with.
const TENANT_PKEY: &str = "tenant_pkey";

/// What a service adds to the common refusals: its own (as `Self`'s
/// variants; an empty enum when it has none) and what a violation of each
/// of its database constraints tells the caller.
pub trait DomainError: std::error::Error + Send + Sync + 'static {
    /// Status and stable `code` of this refusal.
    fn status_and_code(&self) -> (StatusCode, &'static str);

    /// What a violation of the constraint `name` means to the caller, when
    /// it is one of the service's; `None` leaves it to the common mapping
    /// (a duplicate tenant is a conflict, anything else internal).
    fn from_constraint(name: &str) -> Option<ApiError<Self>>
    where
        Self: Sized;

    /// Seconds after which the caller may try again (`Retry-After`), for a
    /// refusal like a rate limit; `None` by default.
    fn retry_after_secs(&self) -> Option<u64> {
        None
    }
}

/// What went wrong with an HTTP request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError<D: DomainError> {
    /// No or an unknown API key.
    #[error("a valid API key is required")]
    Unauthorized,
    /// Nothing of that name in the caller's tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The request conflicts with what exists (a duplicate, an invalid
    /// transition).
    #[error("{0}")]
    Conflict(String),
    /// A refusal of the service's own.
    #[error(transparent)]
    Domain(D),
    /// Anything else: a bug or a dependency down.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl<D: DomainError> From<sqlx::Error> for ApiError<D> {
    fn from(error: sqlx::Error) -> Self {
        let meaning = error
            .as_database_error()
            .and_then(|e| e.constraint())
            .and_then(|name| {
                D::from_constraint(name).or_else(|| {
                    (name == TENANT_PKEY)
                        .then(|| Self::Conflict("this tenant already exists".to_owned()))
                })
            });
        meaning.unwrap_or_else(|| Self::Internal(anyhow::Error::new(error)))
    }
}

impl<D: DomainError> ApiError<D> {
    /// The HTTP status and the stable `code` of the body.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::BadRequest(_) => (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Domain(refusal) => refusal.status_and_code(),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    detail: String,
}

impl<D: DomainError> IntoResponse for ApiError<D> {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
            }
            Self::Domain(refusal) if status.is_server_error() => {
                tracing::error!(error = %store_bus::error_chain(refusal), code, "request failed");
            }
            _ => {}
        }
        let retry_after = match &self {
            Self::Domain(refusal) => refusal.retry_after_secs(),
            _ => None,
        };
        let body = Body {
            code,
            detail: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::{borrow::Cow, error::Error as StdError, fmt};

    use axum::body::to_bytes;
    use serde_json::{Value, json};
    use sqlx::error::{DatabaseError, ErrorKind};

    use super::*;

    /// A service with one refusal of its own and one constraint.
    #[derive(Debug, thiserror::Error)]
    enum Shop {
        #[error("the signature does not verify")]
        BadSignature,
        #[error("too many requests")]
        Busy(u64),
    }

    impl DomainError for Shop {
        fn status_and_code(&self) -> (StatusCode, &'static str) {
            match self {
                Self::BadSignature => (StatusCode::BAD_REQUEST, "bad_signature"),
                Self::Busy(_) => (StatusCode::TOO_MANY_REQUESTS, "busy"),
            }
        }

        fn retry_after_secs(&self) -> Option<u64> {
            match self {
                Self::Busy(secs) => Some(*secs),
                Self::BadSignature => None,
            }
        }

        fn from_constraint(name: &str) -> Option<ApiError<Self>> {
            (name == "sku_unique").then(|| ApiError::Conflict("duplicate SKU".to_owned()))
        }
    }

    /// A database error violating `constraint`.
    #[derive(Debug)]
    struct Violation(&'static str);

    impl fmt::Display for Violation {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "violates {} (secret row data)", self.0)
        }
    }

    impl StdError for Violation {}

    impl DatabaseError for Violation {
        fn message(&self) -> &str {
            "violation"
        }
        fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> ErrorKind {
            ErrorKind::UniqueViolation
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed("23505"))
        }
        fn constraint(&self) -> Option<&str> {
            Some(self.0)
        }
    }

    fn violation(constraint: &'static str) -> ApiError<Shop> {
        sqlx::Error::Database(Box::new(Violation(constraint))).into()
    }

    async fn answer(error: ApiError<Shop>) -> (u16, Value) {
        let response = error.into_response();
        let status = response.status().as_u16();
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn a_refusal_that_says_when_to_retry_carries_retry_after() {
        let busy = ApiError::Domain(Shop::Busy(7)).into_response();
        let refused = ApiError::Domain(Shop::BadSignature).into_response();

        assert_eq!(busy.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(busy.headers()[RETRY_AFTER], "7");
        assert!(!refused.headers().contains_key(RETRY_AFTER));
    }

    #[tokio::test]
    async fn each_refusal_has_its_status_code_and_detail() {
        let cases = [
            (
                ApiError::Unauthorized,
                401,
                "unauthorized",
                "a valid API key is required",
            ),
            (
                ApiError::NotFound("order"),
                404,
                "not_found",
                "order not found",
            ),
            (
                ApiError::BadRequest("name is empty".into()),
                422,
                "bad_request",
                "name is empty",
            ),
            (ApiError::Conflict("taken".into()), 409, "conflict", "taken"),
            (
                ApiError::Domain(Shop::BadSignature),
                400,
                "bad_signature",
                "the signature does not verify",
            ),
        ];

        for (error, status, code, detail) in cases {
            assert_eq!(
                answer(error).await,
                (status, json!({"code": code, "detail": detail}))
            );
        }
    }

    #[tokio::test]
    async fn an_internal_error_hides_its_cause() {
        let error = ApiError::<Shop>::from(anyhow::anyhow!("password=hunter2 rejected"));

        let (status, body) = answer(error).await;

        assert_eq!(status, 500);
        assert_eq!(
            body,
            json!({"code": "internal", "detail": "internal error"})
        );
    }

    #[tokio::test]
    async fn constraints_map_to_the_services_meaning_then_the_common_one() {
        assert!(matches!(violation("sku_unique"), ApiError::Conflict(d) if d == "duplicate SKU"));
        assert!(
            matches!(violation("tenant_pkey"), ApiError::Conflict(d) if d == "this tenant already exists")
        );
        let (status, body) = answer(violation("something_else_fkey")).await;
        assert_eq!(status, 500);
        assert_eq!(body["detail"], "internal error");
    }

    #[test]
    fn an_error_without_a_constraint_is_internal() {
        let error = ApiError::<Shop>::from(sqlx::Error::RowNotFound);

        assert!(matches!(error, ApiError::Internal(_)));
    }
}
