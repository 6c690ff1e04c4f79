//! The one error type of the HTTP API: the common refusals and their JSON
//! bodies are `store-service`'s [`store_service::ApiError`]; the sales
//! assistant adds the bus refusing an event it must publish.

use axum::http::StatusCode;
use store_bus::PublishError;
use store_service::DomainError;

/// What went wrong with an HTTP request.
pub type ApiError = store_service::ApiError<Refusal>;

/// The sales assistant's own refusals.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The broker did not confirm the event (down, unreachable, or nothing
    /// bound to take it); nothing was recorded, the caller may try again.
    #[error("the message bus did not take the event; nothing was changed, try again")]
    BusUnavailable(#[source] PublishError),
    /// Nothing is bound to take the event (with mandatory publishing the
    /// broker returned it): for `store.sales.resolved`, no seller of the
    /// brand is deployed. Nothing was recorded.
    #[error(
        "no consumer is bound for this event (is the brand's seller deployed?); nothing was changed"
    )]
    NoConsumer(#[source] PublishError),
    /// Nobody answered a request over the bus in time (the brand's AI
    /// seller for a draft, the catalog, the order processor); the detail
    /// says who and what to do instead.
    #[error("{0}")]
    Unanswered(String),
    /// The other service refused what was asked (an order it would not
    /// place); the detail says why.
    #[error("{0}")]
    Rejected(String),
}

impl DomainError for Refusal {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BusUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "bus_unavailable"),
            Self::NoConsumer(_) => (StatusCode::SERVICE_UNAVAILABLE, "no_consumer"),
            Self::Unanswered(_) => (StatusCode::SERVICE_UNAVAILABLE, "no_answer"),
            Self::Rejected(_) => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
        }
    }

    /// The one open hand-off per conversation is kept by the consumer, not
    /// by requests, so no constraint of ours reaches a caller.
    fn from_constraint(_: &str) -> Option<ApiError> {
        None
    }
}

/// The bus did not take an event: logged here (a 503 is not logged by
/// the common error), answered as [`Refusal::NoConsumer`] when nothing is
/// bound for it and [`Refusal::BusUnavailable`] otherwise.
pub fn bus_unavailable(error: PublishError) -> ApiError {
    tracing::warn!(%error, "event not published; request refused");
    match error {
        PublishError::Unroutable { .. } => ApiError::Domain(Refusal::NoConsumer(error)),
        other => ApiError::Domain(Refusal::BusUnavailable(other)),
    }
}
