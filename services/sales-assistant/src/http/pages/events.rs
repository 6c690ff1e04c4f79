//! `GET /inbox/events`: the live changes of the signed-in seller's inbox as
//! server-sent events. Each change to a conversation of their tenant and
//! of a brand they may work is `event: change` with the change's JSON
//! (`{tenant, brand, conversation, kind, seq?}`, see `crate::live`) as
//! data; the filtering is done here, on the server. A comment (`: ping`)
//! keeps the connection alive; `event: lagged` tells a page that fell too
//! far behind to reload what it shows. While the stream is open its
//! seller is marked as having the inbox open (`db::presence`, every
//! [`PRESENCE_EVERY`]), which spares them notifications. The stream ends
//! when the service stops.

use std::{convert::Infallible, time::Duration};

use axum::{
    Router,
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
};
use futures::{Stream, StreamExt as _};
use tokio_stream::wrappers::BroadcastStream;

use crate::{
    db,
    http::{AppState, pages::session::SignedIn},
};

/// How often the keep-alive comment is sent.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often an open stream marks its seller present.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(20);

/// `GET /inbox/events`.
pub fn router() -> Router<AppState> {
    Router::new().route("/inbox/events", get(events))
}

async fn events(
    signed_in: SignedIn,
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = BroadcastStream::new(state.live.subscribe());
    let pool = state.inbox.pool.clone();
    let (tenant, account) = (signed_in.tenant.clone(), signed_in.account_id);
    // Marks the seller present now and every PRESENCE_EVERY while the page
    // is open; yields nothing to the page.
    let presence = futures::stream::unfold((), move |()| {
        let (pool, tenant) = (pool.clone(), tenant.clone());
        async move {
            if let Err(error) = db::presence::seen(&pool, &tenant, account).await {
                tracing::warn!(%error, "could not mark a seller present");
            }
            tokio::time::sleep(PRESENCE_EVERY).await;
            Some((None, ()))
        }
    })
    .filter_map(std::future::ready);
    let changes = changes.filter_map(move |item| {
        let event = match item {
            Ok(change)
                if change.tenant == signed_in.tenant && signed_in.may_work(&change.brand) =>
            {
                Event::default().event("change").json_data(&change).ok()
            }
            Ok(_) => None,
            Err(_lagged) => Some(Event::default().event("lagged").data("reload")),
        };
        std::future::ready(event.map(Ok))
    });
    let stream = futures::stream::select(changes, presence)
        .take_until(state.live.shutdown().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("ping"))
}
