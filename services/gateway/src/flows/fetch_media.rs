//! Fetching a media a shopper sent, for a seller (`store.chat.media.fetch`,
//! request/reply): the request's `conversation` names the channel account
//! the media was sent to; the account must be one of the request's tenant's,
//! and its token downloads the media ([`MediaDownloader`]). Every request
//! gets an answer, the media or an error, so the seller never waits for a
//! timeout.

use base64::Engine as _;
use cloudevents::Event;
use store_events::{
    EventMeta,
    data::{Channel, ChatMediaFetch, ChatMediaFetchResult, ErrorDetail},
    decode,
};

use crate::{
    channels::media::{MediaDownloader, MediaError},
    domain::conversation::ConversationRef,
    state::AppState,
};

/// The answer to the `store.chat.media.fetch` `event`.
#[tracing::instrument(skip_all, fields(event_id = %cloudevents::AttributesReader::id(event)))]
pub async fn fetch_media(
    state: &AppState,
    downloader: &MediaDownloader,
    event: &Event,
) -> ChatMediaFetchResult {
    let request: Result<ChatMediaFetch, _> = decode(event);
    let media_id = request
        .as_ref()
        .map(|r| r.media_id.clone())
        .unwrap_or_default();
    let refused = |code: &str, message: String| ChatMediaFetchResult {
        media_id: media_id.clone(),
        mime_type: None,
        data_base64: None,
        size_bytes: None,
        error: Some(ErrorDetail {
            code: code.to_owned(),
            message,
        }),
    };
    let request = match request {
        Ok(request) => request,
        Err(error) => return refused("bad_request", error.to_string()),
    };
    let meta = match EventMeta::from_event(event) {
        Ok(meta) => meta,
        Err(error) => return refused("bad_request", error.to_string()),
    };
    let Some(conversation) = meta
        .conversation
        .and_then(|c| ConversationRef::parse(c.as_str()).ok())
    else {
        return refused(
            "bad_request",
            "a media fetch names its conversation (<channel>:<account>:<chat>)".to_owned(),
        );
    };
    if conversation.channel != request.channel {
        return refused(
            "bad_request",
            "the channel is not the conversation's".to_owned(),
        );
    }
    let Some(tenant) = state.tenants.get(meta.tenant.as_str()) else {
        return refused("unknown_account", format!("unknown tenant {}", meta.tenant));
    };
    let downloaded = match request.channel {
        Channel::Whatsapp => match tenant.whatsapp_channel(&conversation.account) {
            Some(number) => {
                downloader
                    .whatsapp(&number.access_token, &request.media_id)
                    .await
            }
            None => {
                return refused(
                    "unknown_account",
                    "the tenant has no such WhatsApp number".to_owned(),
                );
            }
        },
        Channel::Telegram => match tenant.telegram_channel(&conversation.account) {
            Some(bot) => downloader.telegram(&bot.bot_token, &request.media_id).await,
            None => {
                return refused(
                    "unknown_account",
                    "the tenant has no such Telegram bot".to_owned(),
                );
            }
        },
        Channel::Webchat => {
            return refused(
                "unsupported_channel",
                "the web chat has no media".to_owned(),
            );
        }
    };
    match downloaded {
        Ok(media) => {
            tracing::info!(bytes = media.bytes.len(), "media fetched for a seller");
            ChatMediaFetchResult {
                media_id: request.media_id,
                mime_type: media.mime_type,
                size_bytes: Some(media.bytes.len() as u64),
                data_base64: Some(base64::engine::general_purpose::STANDARD.encode(&media.bytes)),
                error: None,
            }
        }
        Err(error) => {
            tracing::warn!(%error, "media not fetched");
            let (code, size) = match &error {
                MediaError::TooLarge { size, .. } => ("too_large", *size),
                MediaError::NotFound(_) => ("not_found", None),
                MediaError::Unavailable(_) => ("unavailable", None),
            };
            ChatMediaFetchResult {
                size_bytes: size,
                ..refused(code, error.to_string())
            }
        }
    }
}
