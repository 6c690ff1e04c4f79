//! `GET /chat/{tenant}/sessions/{session_id}/events`: the transcript as
//! server-sent events. Every entry after `Last-Event-ID` (or `?after=`,
//! default 0) first, then live ones as they are appended by any replica;
//! each event is `id: <seq>`, `event: message`, `data: <Entry>`, with a
//! `: keep-alive` comment every 15 s.
//!
//! The stream subscribes to the process's wake-ups before its first read,
//! and always reads from the last `seq` it sent, so an entry appended at any
//! moment is sent once, in order.

use std::{collections::VecDeque, time::Duration};

use axum::{
    extract::{Path, Query, State, rejection::QueryRejection},
    http::HeaderMap,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use serde::Deserialize;
use sqlx::PgPool;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{authorize, chat_tenant};
use crate::{
    db::{self, live::Wake},
    domain::webchat::Entry,
    error::{ApiError, GatewayError, db_unavailable},
    state::AppState,
};

/// Entries read from the database at a time.
const BATCH: i64 = 500;
/// Interval of the keep-alive comments.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Default, Deserialize)]
pub(super) struct StreamQuery {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    after: Option<i64>,
}

/// Opens the event stream of a session.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub(super) async fn stream(
    State(state): State<AppState>,
    Path((tenant, session)): Path<(String, String)>,
    query: Result<Query<StreamQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| GatewayError::Invalid(e.body_text()))?;
    let (tenant, _) = chat_tenant(&state, &tenant)?;
    let session = authorize(&state, tenant, &session, &headers, query.token.as_deref()).await?;
    let last_event_id = headers
        .get("last-event-id")
        .filter(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace));
    let after = match last_event_id {
        // The browser's reconnection carries the last id it received.
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .ok_or_else(|| GatewayError::Invalid("Last-Event-ID is not a seq".to_owned()))?,
        None => query.after.unwrap_or(0),
    };
    if after < 0 {
        return Err(GatewayError::Invalid("after must not be negative".to_owned()).into());
    }

    let wakes = state.live.subscribe();
    let first = db::webchat::entries_after(&state.pool, session.id, after, BATCH)
        .await
        .map_err(db_unavailable)?;
    let follow = Follow {
        pool: state.pool.clone(),
        session: session.id,
        last: after,
        more: batch_full(&first),
        pending: first.into(),
        wakes,
        shutdown: state.live.shutdown().clone(),
    };
    tracing::info!(session = %session.id, after, "web chat stream opened");
    let sse = Sse::new(futures::stream::unfold(follow, Follow::next))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"));
    // Proxies such as nginx must not buffer the stream.
    Ok(([("x-accel-buffering", "no")], sse).into_response())
}

fn batch_full(entries: &[Entry]) -> bool {
    i64::try_from(entries.len()).unwrap_or(i64::MAX) >= BATCH
}

/// One stream's state: what it still has to send and where it is.
struct Follow {
    pool: PgPool,
    session: Uuid,
    /// `seq` of the last entry sent (or the starting point).
    last: i64,
    /// Entries read but not sent yet.
    pending: VecDeque<Entry>,
    /// The last read was a full batch: read again before waiting.
    more: bool,
    wakes: Receiver<Wake>,
    shutdown: CancellationToken,
}

impl Follow {
    async fn next(mut self) -> Option<(Result<Event, axum::Error>, Self)> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                self.last = entry.seq;
                let event = Event::default()
                    .id(entry.seq.to_string())
                    .event("message")
                    .json_data(&entry);
                return Some((event, self));
            }
            if !self.more {
                let reread = tokio::select! {
                    () = self.shutdown.cancelled() => return None,
                    wake = self.wakes.recv() => match wake {
                        Ok(Wake::Appended { session, seq }) => {
                            session == self.session && seq > self.last
                        }
                        // Notifications may have been missed: read anyway.
                        Ok(Wake::Resync) | Err(RecvError::Lagged(_)) => true,
                        Err(RecvError::Closed) => return None,
                    },
                };
                if !reread {
                    continue;
                }
            }
            match db::webchat::entries_after(&self.pool, self.session, self.last, BATCH).await {
                Ok(entries) => {
                    self.more = batch_full(&entries);
                    self.pending.extend(entries);
                }
                Err(error) => {
                    // The browser reconnects with Last-Event-ID and resumes.
                    tracing::warn!(%error, session = %self.session, "web chat stream ended: database error");
                    return None;
                }
            }
        }
    }
}
