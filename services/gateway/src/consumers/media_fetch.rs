//! The media fetch responder: every `store.chat.media.fetch` (every tenant
//! and brand), answered on the requester's reply queue with
//! `store.chat.media.fetch.result` ([`fetch_media`]).

use cloudevents::Event;
use store_bus::{HandlerError, Incoming, RequestHandler};
use store_events::{EventContext, new_event};

use crate::{channels::media::MediaDownloader, flows::fetch_media::fetch_media, state::AppState};

/// Binding of the media fetch queue: every tenant and brand.
pub const MEDIA_FETCH_BINDING: &str = "store.chat.media.fetch.#";

/// The media fetch queue, as named on the default exchange.
pub const MEDIA_FETCH_QUEUE: &str = "gateway.media-fetch";

/// Answers `store.chat.media.fetch`.
pub struct MediaFetches {
    state: AppState,
    downloader: MediaDownloader,
}

impl MediaFetches {
    /// A responder downloading through `downloader`.
    pub fn new(state: AppState, downloader: MediaDownloader) -> Self {
        Self { state, downloader }
    }
}

#[async_trait::async_trait]
impl RequestHandler for MediaFetches {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let event = &request.event;
        let context = EventContext::caused_by(event)?;
        let result = fetch_media(&self.state, &self.downloader, event).await;
        new_event(&self.state.bus.config().source, &context, &result).map_err(HandlerError::reject)
    }
}
