//! A seller takes a conversation from the AI before it escalated: in one
//! transaction a hand-off is opened, owned by them (`taken_over`, reason
//! `other`, "Taken over by <name>"); when an escalation opened one first
//! (the unique open hand-off settles the race) they claim that one
//! instead. `store.sales.claimed` (`taken_over: true`) silences the AI and
//! the shopper is told "<name> from our team joined the conversation" in
//! their language; both confirmed before the commit.

use store_events::data::{ResponsePart, Sender};

use super::{
    Actor, Handoffs,
    claim::{claim, claimed, tenant_id},
    lock_conversation, record_outgoing,
};
use crate::{
    db::{self, handoffs::TakeOver},
    domain::notices::{self, Lang},
    error::{ApiError, bus_unavailable},
};

/// `actor` takes `conversation` over.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn take_over(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<(), ApiError> {
    let mut tx = inbox.pool.begin().await?;
    let conv = lock_conversation(&mut tx, actor, conversation).await?;
    let summary = format!("Taken over by {}", actor.name);
    let event_id = format!("take-over:{}", uuid::Uuid::now_v7());
    let opened = db::handoffs::take_over(
        &mut tx,
        &TakeOver {
            tenant: actor.tenant,
            brand: &conv.brand_id,
            conversation,
            channel: &conv.channel,
            customer: &conv.customer,
            summary: &summary,
            owner: actor.account,
            event_id: &event_id,
        },
    )
    .await?;
    if opened.is_none() {
        // An escalation was first: claim its hand-off like any other.
        drop(tx);
        return claim(inbox, actor, conversation).await;
    }
    let handoff = db::handoffs::lock_open(&mut tx, &tenant_id(actor)?, conversation)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the taken-over hand-off is not open"))?;

    // The shopper hears a person joined.
    let text = notices::joined(Lang::of(conv.language.as_deref()), actor.name);
    let (notice, _, _) = record_outgoing(
        &mut tx,
        actor,
        &conv,
        &handoff,
        Sender::System,
        vec![ResponsePart::Text { text: text.clone() }],
        &text,
    )
    .await?;
    claimed(inbox, &mut tx, actor, &conv, true).await?;
    inbox.bus.publish(notice).await.map_err(bus_unavailable)?;
    tx.commit().await?;
    inbox.metrics.opened(actor.tenant);
    tracing::info!(conversation, "conversation taken over");
    Ok(())
}
