//! What a shopper's message says, before the brain answers it
//! ([`Seller::read_input`]): typed text as it is; a caption as the message;
//! a voice note fetched from the gateway (`store.chat.media.fetch`, since
//! only the gateway holds the channels' tokens) and transcribed by the
//! configured OpenAI-compatible server, the transcript then being the
//! message; and, for what the seller cannot read or search (a picture or
//! video without a caption, a sticker, emoji only, a location, a contact
//! card, a file, an unsupported kind, a voice note that could not be
//! transcribed), a fixed, friendly reply in the shopper's language
//! ([`crate::domain::media_reply`]) instead of the brain's.
//!
//! The memory keeps a description of such a message ("[the shopper sent a
//! sticker]") for the model and the human sellers; the shopper never sees
//! it. A transcript is kept as the shopper's words.
//!
//! An approving emoji (👍, 👌, ✅) while the offline seller waits for the
//! shopper to confirm an order is their yes (the same as tapping "Yes"), so
//! the order is placed; with a model, the emoji goes to it as the shopper's
//! message, to read in the conversation's context. Any other emoji-only
//! message gets the friendly "what are you looking for?".
//!
//! The reply's language: the channel's (Telegram's `language_code`), else
//! the one remembered for the shopper, else the persona's default.

use base64::Engine as _;
use cloudevents::Event;
use serde_json::Value;
use store_bus::HandlerError;
use store_events::{
    EventContext,
    data::{Channel, ChatMediaFetch, ChatMediaFetchResult, ChatMessageNew, ResponsePart},
    decode, new_event,
};

use super::{Seller, internal};
use crate::{
    brain::TurnResult,
    db::{self, Conversation},
    domain::media_reply::{self, Fixed, Reading, approves},
    llm::Message,
};

/// A shopper's message as the seller takes it.
#[derive(Debug)]
pub struct ShopperInput {
    /// What the brain answers and the memory keeps: the shopper's text, a
    /// caption, a transcript, or a description of what they sent.
    pub text: String,
    /// The id of a tapped button or list row (`confirm:yes` for an
    /// approving emoji while an order waits).
    pub reply_id: Option<String>,
    /// The reply, when a fixed sentence answers the message (the brain is
    /// not asked).
    pub fixed: Option<TurnResult>,
}

impl ShopperInput {
    fn text(text: String, reply_id: Option<String>) -> Self {
        Self {
            text,
            reply_id,
            fixed: None,
        }
    }
}

/// Whether the offline brain's `state` has an order waiting for the
/// shopper's yes or no.
fn order_waits(state: &Value) -> bool {
    state.get("pending").is_some_and(|p| !p.is_null())
}

impl Seller {
    /// Reads the shopper's `message` (the data of `event`) in the
    /// conversation `stored` (see the module's doc).
    pub async fn read_input(
        &self,
        event: &Event,
        message: &ChatMessageNew,
        stored: &Conversation,
    ) -> Result<ShopperInput, HandlerError> {
        match media_reply::read(&message.content) {
            Reading::Text { text, reply_id } => Ok(ShopperInput::text(text, reply_id)),
            Reading::Emoji(emoji) if approves(&emoji).0 && self.model.is_some() => {
                Ok(ShopperInput::text(emoji, None))
            }
            Reading::Emoji(emoji) if approves(&emoji).0 && order_waits(&stored.brain_state) => {
                Ok(ShopperInput::text(emoji, Some("confirm:yes".to_owned())))
            }
            Reading::Emoji(emoji) => self.fixed_reply(message, Fixed::Emoji(emoji)).await,
            Reading::Voice {
                media_id,
                mime_type,
            } => match self
                .transcribe(event, message, media_id.as_deref(), mime_type.as_deref())
                .await?
            {
                Some(transcript) => Ok(ShopperInput::text(transcript, None)),
                None => self.fixed_reply(message, Fixed::Voice).await,
            },
            Reading::Fixed(fixed) => self.fixed_reply(message, fixed).await,
        }
    }

    /// The fixed reply to `fixed`, in the shopper's language.
    async fn fixed_reply(
        &self,
        message: &ChatMessageNew,
        fixed: Fixed,
    ) -> Result<ShopperInput, HandlerError> {
        let lang = self
            .shopper_language(message)
            .await?
            .unwrap_or_else(|| self.persona.default_language.clone());
        let say = media_reply::sentence(&fixed, &lang, &self.persona);
        let result = TurnResult {
            parts: vec![ResponsePart::Text { text: say.clone() }],
            transcript: vec![Message::assistant(say, Vec::new())],
            ..TurnResult::default()
        };
        Ok(ShopperInput {
            text: media_reply::memory(&fixed),
            reply_id: None,
            fixed: Some(result),
        })
    }

    /// The shopper's language as the channel says it, else as remembered.
    async fn shopper_language(
        &self,
        message: &ChatMessageNew,
    ) -> Result<Option<String>, HandlerError> {
        if let Some(lang) = &message.customer.language {
            return Ok(Some(lang.clone()));
        }
        let profile = db::touch_profile(
            &self.pool,
            self.tenant.as_str(),
            &message.customer.id,
            message.customer.display_name.as_deref(),
            None,
        )
        .await
        .map_err(internal)?;
        Ok(profile.language)
    }

    /// The text of the voice note `media_id`: fetched through the gateway,
    /// then transcribed. `None` (the shopper is asked to type) without a
    /// transcriber, on a channel without media, or when either step fails
    /// or the note says nothing.
    async fn transcribe(
        &self,
        event: &Event,
        message: &ChatMessageNew,
        media_id: Option<&str>,
        mime_type: Option<&str>,
    ) -> Result<Option<String>, HandlerError> {
        let Some(transcriber) = &self.transcriber else {
            tracing::info!("a voice note, and no transcription configured: asking to type");
            return Ok(None);
        };
        let (Some(media_id), Channel::Whatsapp | Channel::Telegram) = (media_id, message.channel)
        else {
            return Ok(None);
        };
        let request = ChatMediaFetch {
            channel: message.channel,
            media_id: media_id.to_owned(),
        };
        let request = new_event(
            &self.bus.config().source,
            &EventContext::caused_by(event)?,
            &request,
        )
        .map_err(HandlerError::reject)?;
        let media = match self.bus.request(request, transcriber.timeout()).await {
            Ok(reply) => decode::<ChatMediaFetchResult>(&reply).map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        };
        let media = match media {
            Ok(ChatMediaFetchResult { error: Some(e), .. }) => {
                Err(format!("{}: {}", e.code, e.message))
            }
            Ok(media) => base64::engine::general_purpose::STANDARD
                .decode(media.data_base64.unwrap_or_default())
                .map(|bytes| (bytes, media.mime_type))
                .map_err(|e| format!("undecodable media: {e}")),
            Err(error) => Err(error),
        };
        let (audio, fetched_type) = match media {
            Ok(media) if !media.0.is_empty() => media,
            Ok(_) => return Ok(None),
            Err(error) => {
                tracing::warn!(%error, "the voice note could not be fetched: asking to type");
                return Ok(None);
            }
        };
        let mime_type = fetched_type.as_deref().or(mime_type).unwrap_or("audio/ogg");
        let hint = self.shopper_language(message).await?;
        let hint = hint.as_deref().and_then(|l| l.get(..2));
        match transcriber.transcribe(audio, mime_type, hint).await {
            Ok(text) if !text.is_empty() => {
                tracing::info!(chars = text.chars().count(), "voice note transcribed");
                Ok(Some(text))
            }
            Ok(_) => Ok(None),
            Err(error) => {
                tracing::warn!(%error, "the voice note could not be transcribed: asking to type");
                Ok(None)
            }
        }
    }
}
