//! A human seller resolves a hand-off over HTTP, handing the conversation
//! back to the AI seller or closing it: lock the hand-off, check it is open
//! (`domain::handoff`), record the resolution, publish
//! `store.sales.resolved` with a publisher confirm and only then commit.
//! When the broker does not take the event (or no seller of the brand is
//! bound to take it), nothing is recorded.

use store_events::{
    Event, TenantId,
    data::{Resolution, SalesResolved},
    new_event,
};
use uuid::Uuid;

use super::{Handoffs, handoff_context};
use crate::{
    db::{self, handoffs::Handoff},
    domain::{handoff::check_resolve, input::Agent},
    error::{ApiError, bus_unavailable},
    live::{self, Change},
};

/// The stored name of a resolution.
pub fn resolution_name(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::HandedBack => "handed_back",
        Resolution::Closed => "closed",
    }
}

/// Resolves `tenant`'s hand-off `id` as `agent` says; returns it as it is
/// afterwards.
#[tracing::instrument(skip_all, fields(tenant = %tenant, handoff = %id, resolution = resolution_name(resolution)))]
pub async fn resolve_handoff(
    inbox: &Handoffs,
    tenant: &TenantId,
    id: Uuid,
    agent: &Agent,
    resolution: Resolution,
    note: Option<&str>,
) -> Result<Handoff, ApiError> {
    let mut tx = inbox.pool.begin().await?;
    // Its conversation is locked first, as every inbox action does.
    if let Some(found) = db::handoffs::get(&inbox.pool, tenant, id).await? {
        db::conversations::lock(&mut tx, tenant.as_str(), &found.conversation).await?;
    }
    let handoff = db::handoffs::lock(&mut tx, tenant, id)
        .await?
        .ok_or(ApiError::NotFound("handoff"))?;
    check_resolve(handoff.status()).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let resolved =
        resolve_locked(inbox, &mut tx, &handoff, agent.as_str(), resolution, note).await?;
    tx.commit().await?;
    inbox
        .metrics
        .resolved(tenant.as_str(), resolution_name(resolution));
    tracing::info!(handoff = %id, resolution = resolution_name(resolution), "hand-off resolved");
    Ok(resolved)
}

/// Resolves the (locked, open) `handoff` in `conn`'s transaction: the
/// resolution recorded, the conversation the AI's again (when the inbox
/// records it), the pages told, and `store.sales.resolved` confirmed; the
/// caller commits.
pub async fn resolve_locked(
    inbox: &Handoffs,
    conn: &mut sqlx::PgConnection,
    handoff: &Handoff,
    by: &str,
    resolution: Resolution,
    note: Option<&str>,
) -> Result<Handoff, ApiError> {
    let event = resolved_event(handoff, by, resolution, note)?;
    let resolved = db::handoffs::resolve(
        conn,
        handoff.id,
        &db::handoffs::Resolution {
            by,
            resolution: resolution_name(resolution),
            note,
        },
    )
    .await?;
    db::conversations::set_handler(
        conn,
        &handoff.tenant_id,
        &handoff.conversation,
        db::conversations::Handler::Ai,
    )
    .await?;
    live::notify(
        conn,
        &Change::new(
            &handoff.tenant_id,
            &handoff.brand_id,
            &handoff.conversation,
            "resolved",
        ),
    )
    .await?;
    inbox.bus.publish(event).await.map_err(bus_unavailable)?;
    Ok(resolved)
}

/// `store.sales.resolved`: the human is done with the conversation.
fn resolved_event(
    handoff: &Handoff,
    by: &str,
    resolution: Resolution,
    note: Option<&str>,
) -> anyhow::Result<Event> {
    let data = SalesResolved {
        resolved_by: by.to_owned(),
        resolution,
        note: note.map(str::to_owned),
    };
    Ok(new_event(crate::SOURCE, &handoff_context(handoff)?, &data)?)
}
