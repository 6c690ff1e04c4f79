//! The owner releases a conversation back to the queue: the hand-off stays
//! open with nobody owning it and the conversation waits for a person
//! again (the AI stays silent: nothing is published).

use super::{Actor, Handoffs, claim::tenant_id, lock_conversation, refused};
use crate::{
    db::{self, conversations::Handler},
    domain::ownership::{Ownership, check_owner},
    error::ApiError,
    live::{self, Change},
};

/// `actor` releases `conversation`.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn release(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<(), ApiError> {
    let mut tx = inbox.pool.begin().await?;
    let conv = lock_conversation(&mut tx, actor, conversation).await?;
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
    db::handoffs::set_owner(&mut tx, handoff.id, None).await?;
    db::conversations::set_handler(&mut tx, actor.tenant, conversation, Handler::Waiting).await?;
    live::notify(
        &mut tx,
        &Change::new(actor.tenant, &conv.brand_id, conversation, "release"),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(conversation, "conversation released");
    Ok(())
}
