//! What the channel did with a reply (`store.chat.delivery`, from the
//! gateway after each `store.chat.response` it handled): the reply recorded
//! from that response (`source_id` = its id) becomes `sent` or `failed`
//! (with the reason), and the open pages are told, once per report (the
//! report claimed in the idempotency ledger in the same statement). A
//! report about a reply the inbox never recorded changes nothing, and is
//! not claimed: should it come again once the reply is recorded, it
//! applies then.

use store_bus::HandlerError;
use store_events::{
    AttributesReader as _, Event, EventData as _, EventMeta,
    data::{ChatDelivery, DeliveryStatus},
    decode,
};

use super::{Handoffs, retry};
use crate::{
    db::{self, conversations::Claim},
    live,
};

/// Name of this flow in the idempotency ledger.
pub const LEDGER_NAME: &str = "sales-assistant.deliveries";

/// Handles one `store.chat.delivery`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn record_delivery(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let delivery: ChatDelivery = decode(event)?;
    let status = match delivery.status {
        DeliveryStatus::Sent => "sent",
        DeliveryStatus::Failed => "failed",
    };
    let reason = match (&delivery.reason, &delivery.code) {
        (Some(reason), Some(code)) => Some(format!("{reason} ({code})")),
        (Some(reason), None) => Some(reason.clone()),
        (None, Some(code)) => Some(code.clone()),
        (None, None) => None,
    };
    // One statement: the claim, the update and the announcement commit
    // together.
    let delivered = db::messages::set_delivery(
        &inbox.pool,
        Claim {
            ledger: LEDGER_NAME,
            event_id: event.id(),
            event_type: ChatDelivery::TYPE,
        },
        meta.tenant.as_str(),
        &delivery.response_id,
        status,
        reason.as_deref(),
        live::CHANNEL,
    )
    .await
    .map_err(retry)?;
    if delivered.is_none() {
        tracing::debug!(
            response = %delivery.response_id,
            "delivery of a reply not recorded here, or reported before"
        );
    }
    Ok(())
}
