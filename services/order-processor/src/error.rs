//! The one error type of the HTTP API: the common refusals and their JSON
//! bodies are `store-service`'s [`store_service::ApiError`]; the order
//! processor adds a webhook whose signature does not verify or whose body
//! is too large.

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
    /// A webhook body over the limit.
    #[error("payload is larger than {0} bytes")]
    TooLarge(usize),
}

impl DomainError for Refusal {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadSignature => (StatusCode::BAD_REQUEST, "bad_signature"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        }
    }

    /// Only the shared `tenant` table's constraint means something to a
    /// caller; that mapping is `store-service`'s.
    fn from_constraint(_: &str) -> Option<ApiError> {
        None
    }
}
