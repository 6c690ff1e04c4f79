//! The owner hands the conversation back to the AI seller: the hand-off
//! resolved `handed_back` by them with an optional note for the AI
//! (`store.sales.resolved`, as `flows::resolve_handoff` does for the API),
//! and the conversation is the AI's again, nobody owning it.

use store_events::data::Resolution;

use super::{
    Actor, Handoffs,
    claim::tenant_id,
    lock_conversation, refused,
    resolve_handoff::{resolution_name, resolve_locked},
};
use crate::{
    db,
    domain::ownership::{Ownership, check_owner},
    error::ApiError,
};

/// `actor` hands `conversation` back with `note` for the AI seller.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn hand_back(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
    note: Option<&str>,
) -> Result<(), ApiError> {
    let mut tx = inbox.pool.begin().await?;
    lock_conversation(&mut tx, actor, conversation).await?;
    let open = db::handoffs::lock_open(&mut tx, &tenant_id(actor)?, conversation).await?;
    check_owner(
        open.as_ref().map(|h| Ownership {
            owner: h.owner_account,
        }),
        actor.account,
    )
    .map_err(refused)?;
    let Some(handoff) = open else {
        return Err(anyhow::anyhow!("checked open hand-off missing").into());
    };
    resolve_locked(
        inbox,
        &mut tx,
        &handoff,
        actor.name,
        Resolution::HandedBack,
        note,
    )
    .await?;
    tx.commit().await?;
    inbox
        .metrics
        .resolved(actor.tenant, resolution_name(Resolution::HandedBack));
    tracing::info!(conversation, "conversation handed back");
    Ok(())
}
