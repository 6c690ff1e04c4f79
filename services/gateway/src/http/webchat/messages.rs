//! `POST /chat/{tenant}/sessions/{session_id}/messages`: a shopper's text or
//! pick, appended to the transcript and published as
//! `store.chat.message.new` in one transaction that commits only after the
//! broker confirmed. A retry with the same `client_message_id` is answered
//! with the first one's `seq` and publishes nothing.

use anyhow::Context as _;
use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse as _, Response},
};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use store_events::{
    BrandId, EventContext,
    data::{
        chat::ChatMessageNew,
        common::{Channel, Customer},
    },
};
use uuid::Uuid;

use super::{MAX_BODY_BYTES, authorize, chat_tenant, no_session, sessions::TokenQuery};
use crate::{
    db::{
        self,
        webchat::{NewEntry, Session},
    },
    domain::{
        rate_limit::Limited,
        webchat::{Author, Pick, ShopperInput, client_message_id, conversation_id},
    },
    error::{ApiError, GatewayError, db_unavailable as db, internal, rate_limited, unavailable},
    events::{Tolerate, begin, build, publish},
    http::body,
    state::AppState,
};

#[derive(Deserialize)]
struct PostMessage {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    reply: Option<Pick>,
    #[serde(default)]
    client_message_id: Option<String>,
}

/// The 202 answer.
#[derive(Debug, Serialize)]
pub(super) struct Accepted {
    message_id: String,
    seq: i64,
    duplicate: bool,
}

/// Takes a shopper's message.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub(super) async fn post(
    State(state): State<AppState>,
    Path((tenant, session)): Path<(String, String)>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    request: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (tenant, _) = chat_tenant(&state, &tenant)?;
    let session = authorize(&state, tenant, &session, &headers, query.token.as_deref()).await?;
    let request = body(request, MAX_BODY_BYTES)?;
    let request: PostMessage =
        serde_json::from_slice(&request).map_err(|e| GatewayError::Malformed(e.to_string()))?;
    let input =
        ShopperInput::parse(request.text, request.reply).map_err(|e| GatewayError::Invalid(e.0))?;
    let client_id =
        client_message_id(request.client_message_id).map_err(|e| GatewayError::Invalid(e.0))?;
    let accepted = match accept(&state, &session, input, client_id).await? {
        Posted::Accepted(accepted) => accepted,
        Posted::RateLimited(limited) => return Ok(rate_limited(limited.retry_after_secs())),
    };
    state.metrics.inbound(
        "webchat",
        if accepted.duplicate {
            "duplicate"
        } else {
            "published"
        },
    );
    tracing::info!(
        channel = "webchat",
        message_id = %accepted.message_id,
        seq = accepted.seq,
        duplicate = accepted.duplicate,
        "web chat message accepted"
    );
    Ok((StatusCode::ACCEPTED, Json(accepted)).into_response())
}

/// What became of a shopper's message.
enum Posted {
    /// Published (or a retry of one that was).
    Accepted(Accepted),
    /// Over the session's limit: nothing recorded or published.
    RateLimited(Limited),
}

async fn accept(
    state: &AppState,
    session: &Session,
    input: ShopperInput,
    client_id: Option<String>,
) -> Result<Posted, ApiError> {
    let brand = BrandId::parse(&session.brand).map_err(internal)?;
    let conversation = conversation_id(&brand, session.id).map_err(internal)?;
    let tenant = store_events::TenantId::parse(&session.tenant).map_err(internal)?;

    let mut tx = begin(state).await?;
    // The session's lock first: a concurrent retry of the same message waits
    // here until the first one commits (or rolls back), then sees it.
    db::webchat::lock_session(&mut tx, session.id)
        .await
        .map_err(db)?
        .ok_or_else(no_session)?;
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
    publish(state, build(state, &context, &data)?, Tolerate::Nothing).await?;
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
