//! A new escalation nobody can answer now: outside the brand's staffed
//! hours (`domain::hours`), or, when so configured, with no seller who may
//! work the brand signed in. The hand-off stays open and waits in the
//! queue, marked with why and until when; the shopper is told when a
//! person will answer (in their language, the brand's local time, or "as
//! soon as someone is available"); `store.sales.deferred` tells the AI
//! seller to keep helping meanwhile, and the conversation is the AI's
//! again until someone claims it. Both events are confirmed before the
//! escalation's transaction commits.

use chrono::Utc;
use sqlx::PgConnection;
use store_bus::HandlerError;
use store_events::{
    Event, EventContext,
    data::{Channel, ChatResponse, Customer, DeferralReason, ResponsePart, SalesDeferred, Sender},
    new_event,
};
use uuid::Uuid;

use super::{Handoffs, publish_notice, retry};
use crate::{
    accounts,
    db::{
        self,
        conversations::{Activity, Handler},
        messages::NewMessage,
    },
    domain::{
        hours::Staffing,
        notices::{self, Lang},
    },
};

/// The new hand-off being deferred, and the escalation that opened it.
pub struct NewHandoff<'a> {
    /// The hand-off.
    pub id: Uuid,
    /// Tenant.
    pub tenant: &'a str,
    /// Brand.
    pub brand: &'a str,
    /// Conversation.
    pub conversation: &'a str,
    /// Channel.
    pub channel: Channel,
    /// The shopper.
    pub customer: &'a Customer,
    /// The `store.sales.escalate` event.
    pub escalation: &'a Event,
}

/// Defers `handoff` when nobody can answer it now; whether it did. Runs
/// in the escalation's transaction (`conn`), the conversation locked.
#[tracing::instrument(skip_all, fields(handoff = %handoff.id))]
pub async fn defer_if_unstaffed(
    inbox: &Handoffs,
    conn: &mut PgConnection,
    handoff: &NewHandoff<'_>,
) -> Result<bool, HandlerError> {
    let now = Utc::now();
    let (reason, until) = match inbox.staffed_hours.staffing(handoff.brand, now) {
        Staffing::From { at, zone } => (DeferralReason::OffHours, Some((at, zone))),
        Staffing::Now if inbox.defer_when_nobody_signed_in => {
            let present =
                accounts::db::signed_in_sellers(&inbox.pool, handoff.tenant, handoff.brand)
                    .await
                    .map_err(retry)?;
            if !present.is_empty() {
                return Ok(false);
            }
            (DeferralReason::NoSellerOnline, None)
        }
        Staffing::Now => return Ok(false),
    };
    let reason_name = match reason {
        DeferralReason::OffHours => "off_hours",
        DeferralReason::NoSellerOnline => "no_seller_online",
    };
    db::handoffs::defer(conn, handoff.id, reason_name, until.map(|(at, _)| at))
        .await
        .map_err(retry)?;

    let context = EventContext::caused_by(handoff.escalation)?;
    let text = notices::deferred(Lang::of(handoff.customer.language.as_deref()), until);
    let notice = new_event(
        crate::SOURCE,
        &context,
        &ChatResponse {
            channel: handoff.channel,
            recipient: handoff.customer.id.clone(),
            reply_to_message_id: None,
            sender: Sender::System,
            parts: vec![ResponsePart::Text { text: text.clone() }],
        },
    )
    .map_err(HandlerError::reject)?;
    let deferred = new_event(
        crate::SOURCE,
        &context,
        &SalesDeferred {
            reason,
            until: until.map(|(at, _)| at),
        },
    )
    .map_err(HandlerError::reject)?;

    let channel = super::record_conversation::channel_name(handoff.channel);
    db::conversations::record(
        conn,
        &Activity {
            tenant: handoff.tenant,
            conversation: handoff.conversation,
            brand: handoff.brand,
            channel,
            customer: handoff.customer,
            customer_known: true,
            sender: "system",
            text: &text,
            at: now,
        },
        None,
    )
    .await
    .map_err(retry)?;
    db::messages::append(
        conn,
        &NewMessage {
            tenant: handoff.tenant,
            conversation: handoff.conversation,
            sender: "system",
            text: &text,
            parts: serde_json::to_value(vec![ResponsePart::Text { text: text.clone() }]).ok(),
            at: now,
            agent: None,
            source_id: notice_id(&notice),
            delivery: Some("pending"),
        },
        None,
    )
    .await
    .map_err(retry)?;
    db::conversations::set_handler(conn, handoff.tenant, handoff.conversation, Handler::Ai)
        .await
        .map_err(retry)?;
    inbox
        .bus
        .publish(notice)
        .await
        .map_err(HandlerError::retry)?;
    publish_notice(&inbox.bus, deferred)
        .await
        .map_err(HandlerError::retry)?;
    tracing::info!(reason = reason_name, "escalation deferred");
    Ok(true)
}

fn notice_id(event: &Event) -> &str {
    use store_events::AttributesReader as _;
    event.id()
}
