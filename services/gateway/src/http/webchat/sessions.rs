//! `GET /chat/{tenant}/brands`, `POST /chat/{tenant}/sessions` and
//! `GET /chat/{tenant}/sessions/{session_id}` (the whole transcript).

use std::net::SocketAddr;

use axum::{
    Json,
    body::Bytes,
    extract::{ConnectInfo, Path, Query, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse as _, Response},
};
use serde::{Deserialize, Serialize};
use store_events::BrandId;
use uuid::Uuid;

use super::{MAX_BODY_BYTES, authorize, chat_tenant};
use crate::{
    db::{
        self,
        webchat::{NewSession, Session},
    },
    domain::webchat::{self, Entry, conversation_id, display_name, new_token, token_hash},
    error::{ApiError, GatewayError, db_unavailable, internal},
    http::{body, require_json},
    state::AppState,
};

/// Most entries one transcript answer holds.
const MAX_TRANSCRIPT: i64 = 10_000;

#[derive(Serialize)]
pub(super) struct Brands {
    tenant: TenantInfo,
    brands: Vec<BrandInfo>,
}

#[derive(Serialize)]
struct TenantInfo {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct BrandInfo {
    id: String,
    name: String,
    description: Option<String>,
}

/// The tenant and the brands of its picker, in order.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub(super) async fn brands(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Json<Brands>, ApiError> {
    let (tenant, chat) = chat_tenant(&state, &tenant)?;
    let brands = chat
        .brands
        .iter()
        .filter_map(|id| tenant.brand(id))
        .map(|b| BrandInfo {
            id: b.id.as_str().to_owned(),
            name: b.name.clone(),
            description: b.description.clone(),
        })
        .collect();
    Ok(Json(Brands {
        tenant: TenantInfo {
            id: tenant.id.as_str().to_owned(),
            name: tenant.name.clone(),
        },
        brands,
    }))
}

#[derive(Deserialize)]
struct CreateSession {
    brand: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Created {
    session_id: Uuid,
    token: String,
    conversation_id: String,
    brand: String,
}

/// Opens a session with a brand the tenant's web chat offers.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub(super) async fn create(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (tenant, chat) = chat_tenant(&state, &tenant)?;
    // JSON only, so no cross-origin "simple" request can open sessions.
    require_json(&headers)?;
    let request = body(request, MAX_BODY_BYTES)?;
    let request: CreateSession =
        serde_json::from_slice(&request).map_err(|e| GatewayError::Malformed(e.to_string()))?;
    let brand = BrandId::parse(&request.brand)
        .ok()
        .filter(|b| chat.offers(b))
        .ok_or_else(|| GatewayError::Invalid(format!("unknown brand {:?}", request.brand)))?;
    let name = display_name(request.name.as_deref()).map_err(|e| GatewayError::Invalid(e.0))?;
    // Only a session that would be created costs a token.
    if let Err(limited) = state
        .webchat
        .new_session(peer, &headers)
        .await
        .map_err(db_unavailable)?
    {
        return Err(GatewayError::RateLimited(limited.retry_after_secs()).into());
    }
    let id = Uuid::now_v7();
    let conversation = conversation_id(&brand, id).map_err(internal)?;
    let token = new_token();
    db::webchat::create_session(
        &state.pool,
        &NewSession {
            id,
            tenant: tenant.id.as_str(),
            brand: brand.as_str(),
            display_name: name.as_deref(),
            token_sha256: &token_hash(&token),
        },
    )
    .await
    .map_err(db_unavailable)?;
    tracing::info!(session = %id, brand = %brand, "web chat session opened");
    Ok((
        StatusCode::CREATED,
        Json(Created {
            session_id: id,
            token,
            conversation_id: conversation.as_str().to_owned(),
            brand: brand.as_str().to_owned(),
        }),
    )
        .into_response())
}

/// `?token=` for clients that cannot set headers (`EventSource`); taken by
/// the read-only GETs only, never by a request that changes anything.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    pub(super) token: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Transcript {
    session_id: Uuid,
    brand: String,
    conversation_id: String,
    messages: Vec<Entry>,
}

/// The whole transcript of a session.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub(super) async fn transcript(
    State(state): State<AppState>,
    Path((tenant, session)): Path<(String, String)>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Json<Transcript>, ApiError> {
    let (tenant, _) = chat_tenant(&state, &tenant)?;
    let session = authorize(&state, tenant, &session, &headers, query.token.as_deref()).await?;
    let messages = db::webchat::entries_after(&state.pool, session.id, 0, MAX_TRANSCRIPT)
        .await
        .map_err(db_unavailable)?;
    Ok(Json(Transcript {
        session_id: session.id,
        conversation_id: conversation_of(&session)?,
        brand: session.brand,
        messages,
    }))
}

/// The conversation id of a stored session.
pub(super) fn conversation_of(session: &Session) -> Result<String, ApiError> {
    let brand = BrandId::parse(&session.brand).map_err(internal)?;
    webchat::conversation_id(&brand, session.id)
        .map(|c| c.as_str().to_owned())
        .map_err(internal)
}
