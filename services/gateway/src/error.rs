//! The one error type of the HTTP API: a stable `code` and a `detail` in a
//! JSON body. 5xx bodies say nothing about internals; the cause chain is
//! logged once, by [`log_server_errors`].

use axum::{
    Json,
    extract::Request,
    http::{HeaderValue, StatusCode, header::RETRY_AFTER},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::domain::rate_limit::Limited;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No tenant with that id.
    #[error("unknown tenant {0:?}")]
    UnknownTenant(String),
    /// Missing or wrong webhook signature / secret token.
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
    /// The payload names a channel account the tenant does not have.
    #[error("{0}")]
    UnknownChannel(String),
    /// Nothing here by that name (a web chat session, a tenant without web
    /// chat).
    #[error("{0}")]
    NotFound(String),
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
    /// A bug.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::UnknownTenant(_) => StatusCode::NOT_FOUND,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::VerificationFailed(_) => StatusCode::FORBIDDEN,
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnknownChannel(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownTenant(_) => "unknown_tenant",
            Self::Unauthorized(_) => "unauthorized",
            Self::VerificationFailed(_) => "verification_failed",
            Self::Malformed(_) => "malformed_payload",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::TooLarge(_) => "payload_too_large",
            Self::UnknownChannel(_) => "unknown_channel",
            Self::NotFound(_) => "not_found",
            Self::Invalid(_) => "invalid_request",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::RateLimited(_) => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        Self::RateLimited(limited.retry_after_secs())
    }
}

/// The JSON body of an error.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// Stable code.
    pub code: &'static str,
    /// Human-readable reason.
    pub detail: String,
}

/// The cause chain of a 5xx, handed from the response to the logging
/// middleware.
#[derive(Debug, Clone)]
struct ServerErrorChain(String);

impl ApiError {
    /// This error as a response with `body` as its JSON body: the status,
    /// and the cause chain of a 5xx for [`log_server_errors`].
    pub(crate) fn into_response_with(self, body: impl Serialize) -> Response {
        let status = self.status();
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited(secs) = &self {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(*secs));
        }
        match &self {
            Self::Unavailable(source) | Self::Internal(source) => {
                response
                    .extensions_mut()
                    .insert(ServerErrorChain(format!("{source:#}")));
            }
            // Client errors are logged here, with their reason, once.
            other => tracing::info!(code = other.code(), reason = %other, "request refused"),
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code(),
            detail: self.to_string(),
        };
        self.into_response_with(body)
    }
}

/// Logs every 5xx once, with the cause chain its [`ApiError`] carried.
pub async fn log_server_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.status().is_server_error() {
        let chain = response
            .extensions()
            .get::<ServerErrorChain>()
            .map_or("(no cause recorded)", |c| c.0.as_str());
        tracing::error!(%method, %path, status = response.status().as_u16(), error = chain, "request failed");
    }
    response
}
