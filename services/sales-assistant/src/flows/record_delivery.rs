//! What the channel did with a reply (`store.chat.delivery`, from the
//! gateway after each `store.chat.response` it handled): the reply recorded
//! from that response (`source_id` = its id) becomes `sent` or `failed`
//! (with the reason), and the open pages are told. A report about a reply
//! the inbox never recorded changes nothing.

use store_bus::HandlerError;
use store_events::{
    AttributesReader as _, Event, EventData as _, EventMeta,
    data::{ChatDelivery, DeliveryStatus},
    decode,
};

use super::{Handoffs, retry};
use crate::{
    db,
    live::{self, Change},
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
    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    if store_idempotency::claim(&mut tx, LEDGER_NAME, event.id(), ChatDelivery::TYPE)
        .await
        .map_err(retry)?
        .is_duplicate()
    {
        return Ok(());
    }
    let Some(delivered) = db::messages::set_delivery(
        &mut tx,
        meta.tenant.as_str(),
        &delivery.response_id,
        status,
        reason.as_deref(),
    )
    .await
    .map_err(retry)?
    else {
        tracing::debug!(response = %delivery.response_id, "delivery of a reply not recorded here");
        return Ok(());
    };
    live::notify(
        &mut tx,
        &Change::new(
            meta.tenant.as_str(),
            &delivered.brand,
            &delivered.conversation,
            "delivery",
        )
        .with_seq(Some(delivered.seq)),
    )
    .await
    .map_err(retry)?;
    tx.commit().await.map_err(retry)?;
    Ok(())
}
