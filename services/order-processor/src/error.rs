//! The one error type of the HTTP API: the common refusals and their JSON
//! bodies are `store-service`'s [`store_service::ApiError`]; the order
//! processor adds a webhook whose signature does not verify.

use axum::http::StatusCode;
use store_service::DomainError;

/// What went wrong with an HTTP request.
pub type ApiError = store_service::ApiError<Refusal>;

/// The order processor's own refusals.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A webhook whose signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
}

impl DomainError for Refusal {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadSignature => (StatusCode::BAD_REQUEST, "bad_signature"),
        }
    }

    /// Only the shared `tenant` table's constraint means something to a
    /// caller; that mapping is `store-service`'s.
    fn from_constraint(_: &str) -> Option<ApiError> {
        None
    }
}
