//! Posting a shopper's web chat message: appended to the session's
//! transcript and published as `store.chat.message.new` in one transaction
//! that commits only after the broker confirmed (a 503 otherwise: nothing is
//! kept, the page retries). A retry with the same `client_message_id` is
//! answered with the first one's `seq` and publishes nothing; a message over
//! the session's rate limit is refused before anything is written.
//!
//! # One message downstream, even when the commit fails after the confirm
//!
//! The publish is confirmed before the commit, so a commit that fails
//! afterwards (the database goes away, a serialisation failure) leaves an
//! event on the bus, no transcript entry and a 503 for the page, which
//! retries with the same `client_message_id`. That retry finds no entry
//! (it rolled back), so it appends and publishes again. It publishes the
//! very same message: the event id and the `message_id` are not random but
//! UUIDv5 of tenant, conversation and `client_message_id`
//! (`domain::webchat::message_ids`), so every attempt at one message
//! carries the same ids, and every consumer, idempotent by event id (its
//! ledger claim), drops all but the first. Hence, for a message with a
//! `client_message_id` (the page always sends one):
//!
//! - commit succeeds: one publish, later retries answer `duplicate: true`
//!   and publish nothing;
//! - commit fails after the confirm: the retry publishes the same event id
//!   again, dropped downstream; the transcript holds the message once
//!   (the retry's entry, with the same `message_id`);
//! - commit succeeded but its answer was lost: the retry finds the entry
//!   and publishes nothing;
//! - two attempts at once: the session's row lock orders them, the second
//!   sees the first's outcome.
//!
//! The derived id is no longer time-ordered (UUIDv7) like other events' ids;
//! nothing orders events by id. A message without a `client_message_id`
//! cannot be told from a new one, so it keeps random ids, and a retry of it
//! is a second message (the protocol, `docs/WEBCHAT.md`, asks for the id).
//! Committing first and publishing through an outbox relay would avoid the
//! duplicate publish altogether, but would answer 202 before the broker has
//! the message; the deterministic id keeps today's guarantee (202 means
//! published) and makes the rare duplicate harmless.

use anyhow::Context as _;
use chrono::Utc;
use cloudevents::AttributesWriter as _;
use serde::Serialize;
use store_events::{
    AttributesReader as _, BrandId, Event, EventContext,
    data::{
        chat::ChatMessageNew,
        common::{Channel, Customer},
    },
    new_event,
};
use uuid::Uuid;

use crate::{
    db::{
        self,
        webchat::{NewEntry, Session},
    },
    domain::{
        rate_limit::Limited,
        webchat::{Author, MessageIds, ShopperInput, conversation_id, message_ids},
    },
    error::{ApiError, db_unavailable as db, internal, unavailable},
    state::AppState,
};

/// What became of a shopper's message.
#[derive(Debug)]
pub enum Posted {
    /// Published (or a retry of one that was).
    Accepted(Accepted),
    /// Over the session's limit: nothing recorded or published.
    RateLimited(Limited),
}

/// A message taken: the 202 answer.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// Our id of the message (the `store.chat.message.new`'s `message_id`).
    pub message_id: String,
    /// Its place in the transcript.
    pub seq: i64,
    /// A retry of a message taken before: nothing new was published.
    pub duplicate: bool,
}

/// Takes `input` from the shopper of `session` (`client_id`: the page's
/// idempotency key).
#[tracing::instrument(skip_all, fields(session = %session.id))]
pub async fn post_webchat_message(
    state: &AppState,
    session: &Session,
    input: ShopperInput,
    client_id: Option<String>,
) -> Result<Posted, ApiError> {
    let brand = BrandId::parse(&session.brand).map_err(internal)?;
    let conversation = conversation_id(&brand, session.id).map_err(internal)?;
    let tenant = store_events::TenantId::parse(&session.tenant).map_err(internal)?;

    let mut tx = state.pool.begin().await.map_err(db)?;
    // The session's lock first: a concurrent retry of the same message waits
    // here until the first one commits (or rolls back), then sees it.
    db::webchat::lock_session(&mut tx, session.id)
        .await
        .map_err(db)?
        .ok_or(ApiError::NotFound("session"))?;
    let earlier = match &client_id {
        Some(id) => db::webchat::find_client_message(&mut tx, session.id, id)
            .await
            .map_err(db)?,
        None => None,
    };
    if let Some((seq, message_id)) = earlier {
        tracing::info!(seq, "duplicate web chat message skipped");
        return Ok(Posted::Accepted(Accepted {
            message_id: message_id.map(|m| m.to_string()).unwrap_or_default(),
            seq,
            duplicate: true,
        }));
    }

    // After the duplicate check, so a retry costs no token; a message that
    // then fails (503) has spent one.
    if let Err(limited) = state.webchat.message(session.id).await.map_err(db)? {
        return Ok(Posted::RateLimited(limited));
    }
    super::limit_inbound::limit_tenant(state, tenant.as_str(), 1).await?;
    db::webchat::touch_session(&mut tx, session.id)
        .await
        .map_err(db)?;

    // Same ids on every attempt at this message (see the module's doc).
    let ids = client_id
        .as_deref()
        .map(|id| message_ids(tenant.as_str(), &conversation, id));
    let message_id = ids.as_ref().map_or_else(Uuid::now_v7, |ids| ids.message_id);
    let sent_at = Utc::now();
    let parts = serde_json::json!([input.transcript_part()]);
    let seq = db::webchat::append(
        &mut tx,
        session.id,
        &NewEntry {
            from: Author::Shopper,
            parts: &parts,
            sent_at,
            message_id: Some(message_id),
            client_message_id: client_id.as_deref(),
            source_event_id: None,
            source_part: None,
        },
    )
    .await
    .map_err(db)?;
    let data = ChatMessageNew {
        message_id: message_id.to_string(),
        channel: Channel::Webchat,
        channel_message_id: client_id.unwrap_or_else(|| message_id.to_string()),
        customer: Customer {
            id: session.id.to_string(),
            display_name: session.display_name.clone(),
            ..Customer::default()
        },
        sent_at,
        content: input.content(),
        reply_to: None,
        edited: false,
    };
    let mut context = EventContext::new(tenant)
        .with_brand(brand)
        .with_conversation(conversation);
    // The first event of an exchange: its correlation id is its own id.
    context.correlation_id = ids.as_ref().map(|ids| ids.event_id.clone());
    let mut event = new_event(&state.bus.config().source, &context, &data)
        .context("Failed to build an event")
        .map_err(internal)?;
    if let Some(MessageIds { event_id, .. }) = ids {
        event.set_id(event_id);
    }
    publish(state, event).await?;
    tx.commit()
        .await
        .context("Failed to commit the web chat message")
        .map_err(unavailable)?;
    tracing::info!(seq, "web chat message published");
    Ok(Posted::Accepted(Accepted {
        message_id: message_id.to_string(),
        seq,
        duplicate: false,
    }))
}

/// Publishes `event` and waits for the broker's confirm; a failure is a
/// 503, so the caller's transaction rolls back.
#[tracing::instrument(skip_all, fields(event_type = event.ty(), event_id = event.id()))]
async fn publish(state: &AppState, event: Event) -> Result<(), ApiError> {
    state.bus.publish(event).await.map_err(|error| {
        unavailable(anyhow::Error::new(error).context("Failed to publish a web chat message"))
    })
}
