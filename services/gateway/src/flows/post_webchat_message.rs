//! Posting a shopper's web chat message: appended to the session's
//! transcript and published as `store.chat.message.new` in one transaction
//! that commits only after the broker confirmed (a 503 otherwise: nothing is
//! kept, the page retries). A retry with the same `client_message_id` is
//! answered with the first one's `seq` and publishes nothing; a message over
//! the session's rate limit is refused before anything is written.

use anyhow::Context as _;
use chrono::Utc;
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
        webchat::{Author, ShopperInput, conversation_id},
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
    if let Err(limited) = state.webchat.message(session.id) {
        return Ok(Posted::RateLimited(limited));
    }
    db::webchat::touch_session(&mut tx, session.id)
        .await
        .map_err(db)?;

    let message_id = Uuid::now_v7();
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
    let context = EventContext::new(tenant)
        .with_brand(brand)
        .with_conversation(conversation);
    let event = new_event(&state.bus.config().source, &context, &data)
        .context("Failed to build an event")
        .map_err(internal)?;
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
