//! The gateway's refusals ([`GatewayError`]) on the house's one API error,
//! [`ApiError`] (`store_service::ApiError<GatewayError>`): a stable `code`
//! and a `detail` in a JSON body, for the webhooks and the web chat alike.
//!
//! 5xx bodies say nothing about internals: the shared type logs a 5xx's
//! cause chain, once; every 4xx is logged once, with its code, by
//! [`log_refusals`]; a rate limit carries `Retry-After`.

use axum::{body::Body, extract::Request, http::StatusCode, middleware::Next, response::Response};
use store_service::DomainError;

/// The one API error of the gateway.
pub type ApiError = store_service::ApiError<GatewayError>;

/// What the gateway refuses, beyond the refusals every service makes.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// No tenant with that id.
    #[error("unknown tenant {0:?}")]
    UnknownTenant(String),
    /// Missing or wrong webhook signature, secret token or session token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The verification handshake failed.
    #[error("verification failed: {0}")]
    VerificationFailed(&'static str),
    /// The body is not what the channel sends.
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// The body is not JSON by its content type.
    #[error("content type must be application/json")]
    UnsupportedMediaType,
    /// The body is over the limit.
    #[error("payload is larger than {0} bytes")]
    TooLarge(usize),
    /// A webhook delivery carries more messages than the gateway takes in
    /// one (`GATEWAY_MAX_MESSAGES_PER_DELIVERY`).
    #[error("delivery carries {count} messages and statuses, more than {max}")]
    TooManyMessages {
        /// How many it carries.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The payload names a channel account the tenant does not have.
    #[error("{0}")]
    UnknownChannel(String),
    /// The request is well-formed JSON but breaks a rule (unknown brand,
    /// empty text, text too long).
    #[error("{0}")]
    Invalid(String),
    /// A cross-origin request from an origin the tenant does not allow.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// Too many requests from one session or address; try again after
    /// this many seconds (the `Retry-After` header).
    #[error("too many requests; try again in {0} s")]
    RateLimited(u64),
    /// The broker or the database cannot take the message now; the channel
    /// should retry.
    #[error("temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
}

impl DomainError for GatewayError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::UnknownTenant(_) => (StatusCode::NOT_FOUND, "unknown_tenant"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::VerificationFailed(_) => (StatusCode::FORBIDDEN, "verification_failed"),
            Self::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed_payload"),
            Self::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::TooManyMessages { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_many_messages"),
            Self::UnknownChannel(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_channel"),
            Self::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::OriginNotAllowed => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        }
    }

    fn from_constraint(_: &str) -> Option<ApiError> {
        // No constraint of the gateway's is the caller's doing.
        None
    }

    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited(secs) => Some(*secs),
            _ => None,
        }
    }
}

impl From<GatewayError> for ApiError {
    fn from(refusal: GatewayError) -> Self {
        Self::Domain(refusal)
    }
}

/// A 503 caused by `cause` (the broker or the database); the shared error
/// logs its cause chain.
pub fn unavailable(cause: anyhow::Error) -> ApiError {
    GatewayError::Unavailable(cause).into()
}

/// A database failure while handling a request: a 503, the caller retries.
pub fn db_unavailable(error: sqlx::Error) -> ApiError {
    unavailable(anyhow::Error::new(error).context("Database error"))
}

/// A 500: a bug (an id of our own that does not parse, an event that does
/// not build).
pub fn internal(error: impl Into<anyhow::Error>) -> ApiError {
    ApiError::Internal(error.into())
}

/// Logs every refused request (4xx) once, with its method, path and status.
pub async fn log_refusals(request: Request<Body>, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if status.is_client_error() {
        tracing::info!(%method, %path, status = status.as_u16(), "request refused");
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::{body::to_bytes, http::header::RETRY_AFTER, response::IntoResponse};
    use serde_json::{Value, json};

    use super::*;

    async fn answer(response: Response) -> (u16, Option<String>, Value) {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, retry_after, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn each_refusal_has_its_status_and_code_in_the_house_body() {
        let cases = [
            (
                GatewayError::UnknownTenant("x".into()),
                404,
                "unknown_tenant",
            ),
            (GatewayError::Unauthorized("no"), 401, "unauthorized"),
            (
                GatewayError::VerificationFailed("no"),
                403,
                "verification_failed",
            ),
            (
                GatewayError::Malformed("x".into()),
                400,
                "malformed_payload",
            ),
            (
                GatewayError::UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (GatewayError::TooLarge(10), 413, "payload_too_large"),
            (
                GatewayError::UnknownChannel("x".into()),
                422,
                "unknown_channel",
            ),
            (GatewayError::Invalid("x".into()), 400, "invalid_request"),
            (GatewayError::OriginNotAllowed, 403, "origin_not_allowed"),
        ];

        for (refusal, status, code) in cases {
            let detail = refusal.to_string();
            let (got, _, body) = answer(ApiError::from(refusal).into_response()).await;
            assert_eq!(
                (got, body),
                (status, json!({ "code": code, "detail": detail }))
            );
        }
    }

    #[tokio::test]
    async fn a_503_hides_its_cause() {
        let error = unavailable(anyhow::anyhow!("connection to 10.0.0.7 refused"));

        let (status, _, body) = answer(error.into_response()).await;

        assert_eq!(
            (status, body),
            (
                503,
                json!({ "code": "unavailable", "detail": "temporarily unavailable" })
            )
        );
    }

    #[tokio::test]
    async fn a_429_says_when_to_try_again() {
        let (status, retry_after, body) =
            answer(ApiError::from(GatewayError::RateLimited(7)).into_response()).await;

        assert_eq!((status, retry_after.as_deref()), (429, Some("7")));
        assert_eq!(
            body,
            json!({ "code": "rate_limited", "detail": "too many requests; try again in 7 s" })
        );
    }
}
