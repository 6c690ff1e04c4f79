//! The owner gives a conversation to another seller: an active account of
//! the tenant who may work its brand. `store.sales.claimed` names the new
//! agent (confirmed before the commit).

use store_events::data::SalesClaimed;
use uuid::Uuid;

use super::{
    Actor, Handoffs, build_event, claim::tenant_id, conversation_context, lock_conversation,
    publish_notice, refused,
};
use crate::{
    accounts::{self, Role},
    db::{self, conversations::Handler},
    domain::ownership::{Ownership, check_owner},
    error::{ApiError, bus_unavailable},
    live::{self, Change},
};

/// `actor` gives `conversation` to the account `to`; returns their name.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn transfer(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
    to: Uuid,
) -> Result<String, ApiError> {
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
    let target = accounts::db::find(&inbox.pool, to)
        .await?
        .filter(|a| {
            a.tenant == actor.tenant
                && !a.disabled
                && (a.role == Role::Owner || a.brands.contains(&conv.brand_id))
        })
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "There is no active seller of {} with that id to give the conversation to",
                conv.brand_id
            ))
        })?;
    if target.id == actor.account {
        return Err(ApiError::BadRequest(
            "The conversation is already yours".to_owned(),
        ));
    }
    db::handoffs::set_owner(&mut tx, handoff.id, Some(target.id)).await?;
    db::conversations::set_handler(
        &mut tx,
        actor.tenant,
        conversation,
        Handler::Human(target.id),
    )
    .await?;
    live::notify(
        &mut tx,
        &Change::new(actor.tenant, &conv.brand_id, conversation, "claim"),
    )
    .await?;
    let event = build_event(
        &conversation_context(&conv, Some(&handoff))?,
        &SalesClaimed {
            agent: target.id.to_string(),
            agent_name: target.name.clone(),
            taken_over: false,
        },
    )?;
    publish_notice(&inbox.bus, event)
        .await
        .map_err(bus_unavailable)?;
    tx.commit().await?;
    tracing::info!(conversation, to = %target.id, "conversation transferred");
    Ok(target.name)
}
