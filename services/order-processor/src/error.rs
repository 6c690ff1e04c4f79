//! The one error type of the HTTP API: each variant maps to a status and a
//! stable `code`; 5xx bodies carry no internals (the cause chain is logged
//! once, here).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// What went wrong with an HTTP request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or an unknown API key.
    #[error("a valid API key is required")]
    Unauthorized,
    /// Nothing of that name in the caller's tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The request conflicts with the order's state (an invalid transition).
    #[error("{0}")]
    Conflict(String),
    /// A webhook whose signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// Anything else: a bug or a dependency down.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match constraint(&error) {
            Some("tenant_pkey") => Self::Conflict("this tenant already exists".to_owned()),
            _ => Self::Internal(anyhow::Error::new(error)),
        }
    }
}

/// The name of the constraint a database error violated, if any.
fn constraint(error: &sqlx::Error) -> Option<&str> {
    error.as_database_error().and_then(|e| e.constraint())
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    detail: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::BadRequest(_) => (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::BadSignature => (StatusCode::BAD_REQUEST, "bad_signature"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let body = Body {
            code,
            detail: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}
