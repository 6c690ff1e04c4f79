//! Drafting a suggested reply for a human seller: `store.sales.draft` from
//! the sales assistant carries the latest messages of a conversation a
//! human is working, as the inbox holds them (the human's own replies
//! included); the brand's brain writes what it would say next, and the
//! consumer answers `store.sales.draft.result` on the request's `reply_to`.
//! Nothing is recorded and nothing reaches the shopper: the human sends,
//! edits or discards the draft.
//!
//! With a model: one completion, the persona's system prompt with the
//! drafting rules and the transcript, no tools; the honesty guard checks
//! its figures against the tool results the seller holds for the
//! conversation and cuts the sentences no result backs; thinking is
//! dropped, and a draft with tool-call JSON or the instructions is not
//! used. Without a model, or when it fails or nothing is left: the offline
//! brain answers the shopper's last words with tools that only look things
//! up (the catalog, the shopper's orders).

use std::time::Instant;

use cloudevents::Event;
use store_bus::HandlerError;
use store_events::{
    EventMeta,
    data::{Channel, Customer, DraftSource, SalesDraft, SalesDraftResult},
    decode,
};

use super::Seller;
use crate::{
    brain::{Brain, Turn, lang::Lang, language, leak, offline::OfflineBrain, parts_text},
    db::{self, ConversationKey},
    domain::{
        draft::{DRAFTING_RULES, shoppers_last_words, transcript_prompt},
        guard::{self, Facts},
        persona::{ShopperContext, system_prompt},
    },
    llm::{ChatRequest, LlmClient, LlmError, Message, repair},
    tools::{BrokerAway, Reach, ToolContext},
};

/// Tokens the model may write for a draft.
const DRAFT_MAX_TOKENS: u32 = 500;

/// Why the model's draft is not used.
#[derive(Debug, thiserror::Error)]
enum NoModelDraft {
    /// The model did not answer.
    #[error("the model failed")]
    Failed(#[from] LlmError),
    /// It answered nothing.
    #[error("the model drafted nothing")]
    Empty,
    /// It carried tool-call JSON or its instructions.
    #[error("the model's draft is not fit for a shopper")]
    Unfit,
    /// Every sentence held a figure no tool result backs.
    #[error("every sentence of the model's draft stated unbacked figures")]
    Unbacked,
}

impl Seller {
    /// The suggested reply to the `store.sales.draft` `event`.
    pub async fn draft_reply(&self, event: &Event) -> Result<SalesDraftResult, HandlerError> {
        let meta = EventMeta::from_event(event)?;
        self.check_scope(&meta)?;
        let draft: SalesDraft = decode(event)?;
        let conversation = meta
            .conversation
            .clone()
            .ok_or_else(|| HandlerError::reject("store.sales.draft without a conversation"))?;
        let key = self.key(conversation.as_str());
        let facts = self.known_facts(&key).await;
        if let Some(model) = &self.model {
            match self.draft_with_model(model.as_ref(), &draft, &facts).await {
                Ok(text) => {
                    self.metrics.drafted("llm");
                    tracing::info!(%conversation, "reply drafted by the model");
                    return Ok(SalesDraftResult {
                        text,
                        source: DraftSource::Llm,
                    });
                }
                Err(why) => {
                    tracing::warn!(%conversation, error = %store_bus::error_chain(&why), "the offline brain drafts instead")
                }
            }
        }
        let text = self
            .draft_offline(event, conversation, &key, &draft, facts)
            .await?;
        self.metrics.drafted("offline");
        tracing::info!(conversation = %key.conversation, "reply drafted by the offline brain");
        Ok(SalesDraftResult {
            text,
            source: DraftSource::Offline,
        })
    }

    /// Figures the seller's tool results of the conversation hold, for the
    /// guard; none when the memory cannot be read (the guard then cuts
    /// every figure, which is the safe side).
    async fn known_facts(&self, key: &ConversationKey) -> Facts {
        let mut facts = Facts::default();
        match db::tool_results(&self.pool, key).await {
            Ok(results) => results.iter().for_each(|r| facts.add_json(r)),
            Err(error) => {
                tracing::warn!(%error, "could not read the conversation's tool results for the draft")
            }
        }
        facts
    }

    /// One completion of the brand's model: the persona with the drafting
    /// rules, the transcript, no tools; unbacked figures cut.
    async fn draft_with_model(
        &self,
        model: &dyn LlmClient,
        draft: &SalesDraft,
        facts: &Facts,
    ) -> Result<String, NoModelDraft> {
        let shopper = ShopperContext {
            language: draft.language.clone(),
            ..ShopperContext::default()
        };
        let request = ChatRequest {
            system: system_prompt(&self.persona, &shopper) + DRAFTING_RULES,
            messages: vec![Message::user(transcript_prompt(&draft.messages))],
            tools: Vec::new(),
            max_tokens: DRAFT_MAX_TOKENS,
            temperature: Some(0.3),
        };
        let started = Instant::now();
        let reply = model.chat(&request).await;
        self.metrics.llm_call(
            model.provider(),
            started.elapsed(),
            reply.as_ref().ok().map(|r| r.usage),
        );
        let reply = reply?;
        let text = repair::without_thinking(&reply.text);
        let text = text.as_str();
        if text.is_empty() {
            return Err(NoModelDraft::Empty);
        }
        if leak::find(text, &request.system, &[]).is_some() {
            return Err(NoModelDraft::Unfit);
        }
        let unbacked = guard::check(text, facts);
        if unbacked.is_empty() {
            return Ok(text.to_owned());
        }
        self.metrics.guard_interventions(1);
        tracing::warn!(figures = ?unbacked.iter().map(|u| &u.text).collect::<Vec<_>>(), "guard: unbacked figures in the draft cut");
        guard::redact(text, &unbacked).ok_or(NoModelDraft::Unbacked)
    }

    /// The offline brain's answer to the shopper's last words, with tools
    /// that only look things up.
    async fn draft_offline(
        &self,
        event: &Event,
        conversation: store_events::ConversationId,
        key: &ConversationKey,
        draft: &SalesDraft,
        facts: Facts,
    ) -> Result<String, HandlerError> {
        let text = shoppers_last_words(&draft.messages)
            .unwrap_or_default()
            .to_owned();
        let customer = self.shopper_of(key, draft.language.clone()).await;
        let ctx = ToolContext {
            bus: self.bus.clone(),
            tenant: self.tenant.clone(),
            brand: self.brand.clone(),
            conversation,
            customer: customer.0,
            channel: customer.1,
            cause: event.clone(),
            currency: self.persona.currency.clone(),
            timeout: self.tool_timeout,
            orders_api: self.orders_api.clone(),
            recent: Vec::new(),
            reach: Reach::LookOnly,
            late_orders: None,
            broker_away: BrokerAway::default(),
        };
        let lang = language::detect(&text)
            .or_else(|| draft.language.as_deref().map(Lang::from_tag))
            .unwrap_or_else(|| Lang::from_tag(&self.persona.default_language));
        let turn = Turn {
            ctx: &ctx,
            persona: &self.persona,
            shopper: ShopperContext {
                language: draft.language.clone(),
                ..ShopperContext::default()
            },
            history: Vec::new(),
            text,
            reply_id: None,
            facts,
            // A fresh state: the draft neither reads nor moves the offline
            // seller's pending order.
            state: serde_json::Value::Null,
            first_message: false,
        };
        let result = OfflineBrain::new(self.metrics.clone())
            .turn(turn)
            .await
            .map_err(HandlerError::retry)?;
        let drafted = parts_text(&result.parts);
        Ok(if drafted.trim().is_empty() {
            language::phrases(lang).what_do_you_need.to_owned()
        } else {
            drafted
        })
    }

    /// The shopper of the conversation and their channel as the seller
    /// stored them; the conversation id and the web chat when it does not
    /// know them (a conversation it never answered: the look-only tools use
    /// the shopper's id for their orders only).
    async fn shopper_of(
        &self,
        key: &ConversationKey,
        language: Option<String>,
    ) -> (Customer, Channel) {
        let stored = db::conversation_shopper(&self.pool, key)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "could not read the conversation's shopper for the draft");
                None
            });
        let (id, channel) = match stored {
            Some((id, channel)) => (
                id,
                serde_json::from_value(serde_json::Value::String(channel))
                    .unwrap_or(Channel::Webchat),
            ),
            None => (key.conversation.clone(), Channel::Webchat),
        };
        let customer = Customer {
            language,
            ..Customer::new(id)
        };
        (customer, channel)
    }
}
