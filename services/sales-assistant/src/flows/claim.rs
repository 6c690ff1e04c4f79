//! A seller claims a conversation waiting in the queue: one conditional
//! update of its open hand-off (`owner_account is null`), so of two
//! sellers claiming at once exactly one wins and the other is told who
//! has it. The winner's `store.sales.claimed` is confirmed before the
//! commit; the conversation is then theirs (`handler` human).

use sqlx::PgConnection;
use store_events::data::SalesClaimed;

use super::{
    Actor, Handoffs, build_event, conversation_context, lock_conversation, publish_notice, refused,
};
use crate::{
    accounts,
    db::{
        self,
        conversations::{Conversation, Handler},
    },
    domain::ownership::{Ownership, claim_lost},
    error::{ApiError, bus_unavailable},
    live::{self, Change},
};

/// `actor` claims `conversation`.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn claim(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<(), ApiError> {
    let mut tx = inbox.pool.begin().await?;
    let conv = lock_conversation(&mut tx, actor, conversation).await?;
    if db::handoffs::claim(&mut tx, actor.tenant, conversation, actor.account)
        .await?
        .is_none()
    {
        let open = db::handoffs::lock_open(&mut tx, &tenant_id(actor)?, conversation).await?;
        let owner = open.as_ref().and_then(|h| h.owner_account);
        let owner_name = match owner {
            Some(owner) => accounts::db::find(&inbox.pool, owner)
                .await?
                .map_or_else(|| "Another seller".to_owned(), |a| a.name),
            None => String::new(),
        };
        return claim_lost(
            open.map(|h| Ownership {
                owner: h.owner_account,
            }),
            actor.account,
            &owner_name,
        )
        .map_err(refused);
    }
    claimed(inbox, &mut tx, actor, &conv, false).await?;
    tx.commit().await?;
    tracing::info!(conversation, "conversation claimed");
    Ok(())
}

/// After the open hand-off became `actor`'s: the conversation is theirs,
/// the pages are told, and `store.sales.claimed` is confirmed (the caller
/// commits).
pub async fn claimed(
    inbox: &Handoffs,
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    conv: &Conversation,
    taken_over: bool,
) -> Result<(), ApiError> {
    let handoff = db::handoffs::lock_open(conn, &tenant_id(actor)?, &conv.conversation)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the claimed hand-off is not open"))?;
    db::conversations::set_handler(
        conn,
        actor.tenant,
        &conv.conversation,
        Handler::Human(actor.account),
    )
    .await?;
    live::notify(
        conn,
        &Change::new(
            actor.tenant,
            &conv.brand_id,
            &conv.conversation,
            if taken_over { "takeover" } else { "claim" },
        ),
    )
    .await?;
    let event = build_event(
        &conversation_context(conv, Some(&handoff))?,
        &SalesClaimed {
            agent: actor.account.to_string(),
            agent_name: actor.name.to_owned(),
            taken_over,
        },
    )?;
    publish_notice(&inbox.bus, event)
        .await
        .map_err(bus_unavailable)?;
    Ok(())
}

/// The actor's tenant as the events' type.
pub fn tenant_id(actor: &Actor<'_>) -> anyhow::Result<store_events::TenantId> {
    Ok(store_events::TenantId::parse(actor.tenant)?)
}

/// Whether `actor` owns `conversation`'s open hand-off (a refusal when
/// not), checked before asking another service something only the owner
/// may act on; the action itself checks again under its lock.
pub async fn check_may_send(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<(), ApiError> {
    let mut conn = inbox.pool.acquire().await?;
    let open = db::handoffs::lock_open(&mut conn, &tenant_id(actor)?, conversation).await?;
    crate::domain::ownership::check_owner(
        open.map(|h| Ownership {
            owner: h.owner_account,
        }),
        actor.account,
    )
    .map_err(refused)
}
