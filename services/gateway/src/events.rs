//! Building the gateway's events and publishing them with publisher
//! confirms, shared by the webhook ingestion and the web chat: a failure to
//! publish is a 503 ([`unavailable`]), so the caller's transaction rolls
//! back and the sender retries.

use anyhow::Context as _;
use sqlx::{Postgres, Transaction};
use store_bus::PublishError;
use store_events::{AttributesReader as _, Event, EventContext, EventData, new_event};

use crate::{
    error::{ApiError, db_unavailable, internal, unavailable},
    state::AppState,
};

/// Begins the transaction that spans an inbound message's side effects.
pub(crate) async fn begin(state: &AppState) -> Result<Transaction<'static, Postgres>, ApiError> {
    state.pool.begin().await.map_err(db_unavailable)
}

/// An event of the gateway carrying `data` in `context`.
pub(crate) fn build<D: EventData>(
    state: &AppState,
    context: &EventContext,
    data: &D,
) -> Result<Event, ApiError> {
    new_event(&state.bus.config().source, context, data)
        .context("Failed to build an event")
        .map_err(internal)
}

/// An event carrying `data`, caused by `cause` (same tenant, brand,
/// conversation and correlation).
pub(crate) fn caused_by<D: EventData>(
    state: &AppState,
    cause: &Event,
    data: &D,
) -> Result<Event, ApiError> {
    let context = EventContext::caused_by(cause)
        .context("Failed to read back our own event")
        .map_err(internal)?;
    build(state, &context, data)
}

/// Which publish failures are not worth failing the request for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tolerate {
    /// None: the event must reach a queue.
    Nothing,
    /// No queue bound: fine for the audit and status events, which may have
    /// no consumer in a given deployment; the broker still confirmed it.
    Unroutable,
}

/// Publishes `event` and waits for the broker's confirm.
pub(crate) async fn publish(
    state: &AppState,
    event: Event,
    tolerate: Tolerate,
) -> Result<(), ApiError> {
    let ty = event.ty().to_owned();
    match state.bus.publish(event).await {
        Ok(()) => Ok(()),
        Err(PublishError::Unroutable { routing_key, .. }) if tolerate == Tolerate::Unroutable => {
            tracing::debug!(%routing_key, "no queue is bound for this event; published to nobody");
            Ok(())
        }
        Err(error) => Err(unavailable(
            anyhow::Error::new(error).context(format!("Failed to publish a {ty} event")),
        )),
    }
}
