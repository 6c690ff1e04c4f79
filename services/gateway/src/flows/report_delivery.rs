//! Reporting what became of a reply: one `store.chat.delivery` per
//! `store.chat.response` the gateway handled (sent in full, appended to a
//! web chat, refused for good or given up on), published with a confirm
//! before the reply is acked or dead-lettered.
//!
//! The event is caused by the reply (same tenant, brand and conversation,
//! `causationid` = the reply's id, its `correlationid` kept), goes out on
//! `store.chat.delivery.<tenant>.<brand>`, and its id is derived from the
//! reply's id and the status (`domain::delivery::delivery_event_id`): a
//! redelivered reply, which sends nothing again (see `send_reply`), reports
//! under the same id, and consumers' idempotency drops the repeat. With no
//! queue bound for it, the report is dropped (logged): it is a notice for
//! whoever listens, never a reason to hold up the shopper's replies.

use cloudevents::AttributesWriter as _;
use store_bus::{HandlerError, PublishError};
use store_events::{AttributesReader as _, Event, EventContext, data::common::Channel, new_event};

use crate::{
    domain::delivery::{Delivery, delivery_event_id},
    state::AppState,
};

/// How the handling of a reply ended: what to report, and whether the
/// reply is then acked or goes to the dead-letter queue.
#[derive(Debug)]
pub struct Settled {
    /// What the shopper's channel made of it.
    pub delivery: Delivery,
    /// `None`: ack the reply once reported. Otherwise the handler's error
    /// after the report (a reject dead-letters the reply for an operator).
    pub then: Option<HandlerError>,
}

impl Settled {
    /// Done with the reply: report `delivery`, then ack.
    pub fn acked(delivery: Delivery) -> Self {
        Self {
            delivery,
            then: None,
        }
    }

    /// Report `delivery`, then end with `error` (the reply is dead-lettered).
    pub fn dead_lettered(delivery: Delivery, error: HandlerError) -> Self {
        Self {
            delivery,
            then: Some(error),
        }
    }
}

/// Publishes the `store.chat.delivery` of reply `cause` sent (or not) on
/// `channel`, waiting for the broker's confirm.
#[tracing::instrument(skip_all, fields(event_id = cause.id(), channel = ?channel))]
pub async fn report_delivery(
    state: &AppState,
    cause: &Event,
    channel: Channel,
    delivery: &Delivery,
) -> Result<(), HandlerError> {
    let data = delivery.data(cause.id(), channel);
    let context = EventContext::caused_by(cause)?;
    let mut event =
        new_event(&state.bus.config().source, &context, &data).map_err(HandlerError::retry)?;
    event.set_id(delivery_event_id(cause.id(), data.status));
    match state.bus.publish(event).await {
        Ok(()) => Ok(()),
        Err(PublishError::Unroutable { routing_key, .. }) => {
            tracing::debug!(routing_key, "no queue bound for the delivery report");
            Ok(())
        }
        Err(error) => Err(HandlerError::retry(error)),
    }
}
