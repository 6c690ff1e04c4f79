//! Answering a shopper: one `store.chat.message.new` in, the seller's
//! `store.chat.response` out. [`Seller::answer_shopper`] loads the
//! conversation's memory (history, tool results, the shopper's profile),
//! keeps the message for a human while one has the conversation, hands over
//! when the shopper asks for a person, else runs the brain (the model with
//! its tools and the honesty guard, or the offline rules), writes the turn
//! and its outbox, publishes it and folds old history into the summary.
//!
//! Effectively once: the answer and the events it causes are written to the
//! `turn` outbox in the same transaction as the conversation's memory, then
//! published, then marked published. A redelivered message whose turn exists
//! republishes the stored events (same ids) instead of asking the brain again.
//!
//! Never over a human: a turn commits only after locking the conversation's
//! row and re-reading who answers it; when a human seller claimed it while
//! the brain was thinking, the AI's answer is withheld and the message kept
//! for the human (see [`Seller::write_answer`]).
//!
//! With a burst window (`SELLER_BURST_WINDOW_MS`) the messages are first
//! gathered and answered together ([`super::answer_burst`]), through the
//! same [`Seller::think`] and [`Seller::write_answer`].

use std::time::Instant;

use cloudevents::{AttributesReader, Event};
use serde_json::Value;
use store_bus::HandlerError;
use store_events::{
    EventContext, EventMeta,
    data::{
        Channel, ChatMessageNew, ChatResponse, EscalationReason, MessageContent, Priority,
        ResponsePart, Sender,
    },
    decode, new_event,
};

use super::{Seller, internal, shopper_input::ShopperInput, summarize_history::HistorySize};
use crate::{
    brain::{BrainError, Turn, TurnResult, lang::Lang, language, parts_text},
    db::{self, ConversationKey, TurnRecord},
    domain::{
        guard::Facts,
        handoff::{Answerer, asks_for_human},
        persona::ShopperContext,
        storable,
    },
    llm::Message,
    tools::{BrokerAway, LateOrders, Reach, ToolContext, escalation_event},
};

/// The language to answer in: the one the shopper's words show, else the
/// one the channel reports, else the one they wrote in before, else the
/// shop's default.
fn shopper_language(
    detected: Option<Lang>,
    channel: Option<&str>,
    remembered: Option<&str>,
    shop_default: &str,
) -> Lang {
    detected
        .or_else(|| channel.map(Lang::from_tag))
        .or_else(|| remembered.map(Lang::from_tag))
        .unwrap_or_else(|| Lang::from_tag(shop_default))
}

pub(super) fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp => "whatsapp",
        Channel::Telegram => "telegram",
        Channel::Webchat => "webchat",
    }
}

impl Seller {
    /// Answers the shopper message `event` (see the module's doc). With a
    /// burst window the conversation consumer buffers messages instead
    /// ([`Seller::buffer_message`]); this is the path with none.
    pub async fn answer_shopper(&self, event: &Event) -> Result<(), HandlerError> {
        let started = Instant::now();
        let meta = EventMeta::from_event(event)?;
        self.check_scope(&meta)?;
        let message: ChatMessageNew = decode(event)?;
        let conversation = conversation_of(&meta, &message);
        let key = self.key(&conversation);

        // One checkout for the two reads every message starts with.
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        if let Some(turn) = self.answered_before(&mut conn, &key, event).await? {
            drop(conn);
            return self.republish(&key, event, &turn).await;
        }
        let stored = db::ensure_conversation(
            &mut conn,
            &key,
            &message.customer.id,
            channel_name(message.channel),
        )
        .await
        .map_err(internal)?;
        drop(conn);
        let ShopperInput {
            text,
            reply_id,
            fixed,
        } = self.read_input(event, &message, &stored).await?;
        if matches!(message.content, MessageContent::Reaction { .. }) {
            // A reaction needs no answer; keep it in memory only.
            return self
                .record(&key, event, &text, TurnResult::default(), false)
                .await
                .map(|_| ());
        }
        if stored.handler == Answerer::Human {
            tracing::info!(%conversation, "a human has this conversation; message kept for them");
            return self
                .record(&key, event, &text, TurnResult::default(), true)
                .await
                .map(|_| ());
        }
        if let Some(fixed) = fixed {
            // A picture, sticker, location…: a fixed reply, not the brain's.
            return self
                .record(&key, event, &text, fixed, false)
                .await
                .map(|_| ());
        }

        let said = vec![(text.clone(), message.sent_at)];
        let asked = Asked {
            message: &message,
            cause: event,
            text: text.clone(),
            reply_id,
            said,
        };
        let (result, read) = self.think(&key, &conversation, &stored, asked).await?;
        let (placed, after) = match self.record(&key, event, &text, result, false).await? {
            Some(written) => (written.placed, Some(read.plus(written.added))),
            None => (Vec::new(), None),
        };
        self.after_turn(&key, &message.customer.id, placed, started, after)
            .await;
        Ok(())
    }

    /// Asks the brain for the answer to `asked` (or hands over when the
    /// shopper asks for a person): the turn's result, not yet recorded, and
    /// the size of the unsummarized history it read.
    pub(super) async fn think(
        &self,
        key: &ConversationKey,
        conversation: &str,
        stored: &db::Conversation,
        asked: Asked<'_>,
    ) -> Result<(TurnResult, HistorySize), HandlerError> {
        let Asked {
            message,
            cause,
            text,
            reply_id,
            said,
        } = asked;
        // The conversation's memory and the shopper's profile, read on one
        // checkout (the connection goes back before the brain runs).
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        let memory = db::turn_memory(&mut conn, key, recent_wanted(&said))
            .await
            .map_err(internal)?;
        let read = HistorySize::of(&memory.history);
        let mut ctx = ToolContext {
            bus: self.bus.clone(),
            tenant: self.tenant.clone(),
            brand: self.brand.clone(),
            conversation: store_events::ConversationId::parse(conversation)
                .map_err(HandlerError::reject)?,
            customer: message.customer.clone(),
            channel: message.channel,
            cause: cause.clone(),
            currency: self.persona.currency.clone(),
            timeout: self.tool_timeout,
            orders_api: self.orders_api.clone(),
            recent: recent_exchange(memory.recent, &said),
            reach: Reach::Act,
            late_orders: None,
            broker_away: BrokerAway::default(),
        };
        let detected = language::detect(&text);
        // Only a language the channel or the shopper's words told us is
        // remembered; "1" or "ok" keep the one they wrote in before.
        let profile = db::touch_profile(
            &mut *conn,
            self.tenant.as_str(),
            &message.customer.id,
            message.customer.display_name.as_deref(),
            message
                .customer
                .language
                .as_deref()
                .or(detected.map(Lang::tag)),
        )
        .await
        .map_err(internal)?;
        drop(conn);
        // Every fixed sentence, the hand-over's included, is in the
        // shopper's language: the one their words show, else the channel's,
        // else the one they wrote in before, else the shop's.
        let lang = shopper_language(
            detected,
            message.customer.language.as_deref(),
            profile.language.as_deref(),
            &self.persona.default_language,
        );
        let phrases = language::phrases(lang);
        // An order the order processor confirms after the wait is told to
        // the shopper in this language when its outcome comes.
        ctx.late_orders = Some(LateOrders {
            pool: self.pool.clone(),
            language: lang.tag().to_owned(),
        });

        let result = if asks_for_human(&text) {
            self.escalate(
                &ctx,
                EscalationReason::CustomerRequest,
                format!("The shopper asked for a person: “{text}”"),
                phrases.handoff,
            )
        } else {
            let mut facts = Facts::default();
            for result in &memory.facts {
                facts.add_json(result);
            }
            // The shop's own figures (delivery costs…) are its word too.
            for text in self.persona.fact_texts() {
                facts.add_text(text);
            }
            let turn = Turn {
                ctx: &ctx,
                persona: &self.persona,
                shopper: ShopperContext {
                    name: profile.display_name,
                    language: profile.language,
                    preferences: profile.preferences,
                    recent_orders: profile.orders,
                    summary: stored.summary.clone(),
                },
                history: memory.history.into_iter().map(|m| m.message).collect(),
                text: text.clone(),
                reply_id,
                facts,
                state: stored.brain_state.clone(),
                first_message: stored.is_new,
            };
            match self.brain.turn(turn).await {
                Ok(result) => result,
                Err(BrainError::LlmUnavailable(error)) => {
                    tracing::error!(%error, %conversation, "model unavailable; apologizing and escalating");
                    self.escalate(
                        &ctx,
                        EscalationReason::LlmUnavailable,
                        format!("The AI seller could not answer ({error}). Last message: “{text}”"),
                        phrases.apology,
                    )
                }
            }
        };
        if ctx.broker_away.seen() {
            // A catalog or order request found the broker away until its
            // timeout: an answer now would tell the shopper the shop is
            // unreachable, and could not be sent anyway. The message is
            // handled again once the broker is back.
            return Err(HandlerError::retry(
                "a tool's request could not reach the broker; the message is handled again",
            ));
        }
        Ok((result, read))
    }

    /// After a turn is published: remembers the orders it placed for the
    /// shopper, times it and folds old history into the summary (`history`:
    /// its size after the turn, when the turn knows it).
    pub(super) async fn after_turn(
        &self,
        key: &ConversationKey,
        customer_id: &str,
        placed: Vec<String>,
        started: Instant,
        history: Option<HistorySize>,
    ) {
        for order_number in placed {
            let _ =
                db::remember_order(&self.pool, self.tenant.as_str(), customer_id, &order_number)
                    .await;
        }
        self.metrics.turn(&self.brain.name(), started.elapsed());
        if let Err(error) = self.summarize_history(key, history).await {
            tracing::warn!(%error, "could not update the conversation summary");
        }
    }

    /// The turn `event` already has, if any (a redelivery), read on `conn`.
    pub(super) async fn answered_before(
        &self,
        conn: &mut sqlx::PgConnection,
        key: &ConversationKey,
        event: &Event,
    ) -> Result<Option<db::StoredTurn>, HandlerError> {
        db::find_turn(conn, key, event.id()).await.map_err(internal)
    }

    /// Publishes `event`'s recorded turn again when a stop left it
    /// unpublished. The caller holds no connection here: marking it
    /// published takes one.
    pub(super) async fn republish(
        &self,
        key: &ConversationKey,
        event: &Event,
        turn: &db::StoredTurn,
    ) -> Result<(), HandlerError> {
        if turn.status != "published" {
            self.publish_outbox(key, event.id(), &turn.outbox).await?;
        }
        Ok(())
    }

    /// The turn result for a handoff: tell the shopper, emit the escalation.
    fn escalate(
        &self,
        ctx: &ToolContext,
        reason: EscalationReason,
        summary: String,
        say: &str,
    ) -> TurnResult {
        let mut result = TurnResult::default();
        match escalation_event(
            ctx,
            reason,
            summary,
            if reason == EscalationReason::LlmUnavailable {
                Priority::High
            } else {
                Priority::Normal
            },
        ) {
            Ok(event) => {
                result.events.push(event);
                result.escalated = true;
                result.escalation_reason = Some(match reason {
                    EscalationReason::CustomerRequest => "customer_request",
                    EscalationReason::LlmUnavailable => "llm_unavailable",
                    EscalationReason::Policy => "policy",
                    EscalationReason::ComplexCase => "complex_case",
                    EscalationReason::Other => "other",
                });
            }
            Err(error) => tracing::error!(%error, "could not build the escalation"),
        }
        result.parts.push(ResponsePart::Text {
            text: say.to_owned(),
        });
        result.transcript.push(Message::assistant(say, Vec::new()));
        result
    }

    /// Writes the turn and its outbox, then publishes it. Returns what was
    /// written (`None` when a concurrent delivery recorded it first).
    /// `for_human`: the message came while a human had the conversation,
    /// and `result` is empty.
    async fn record(
        &self,
        key: &ConversationKey,
        event: &Event,
        text: &str,
        result: TurnResult,
        for_human: bool,
    ) -> Result<Option<Written>, HandlerError> {
        let mut tx = self.pool.begin().await.map_err(internal)?;
        let shopper = Shopper {
            turn: event.id(),
            answered: event,
            earlier: &[],
            text,
        };
        let Some(written) = self
            .write_answer(&mut tx, key, shopper, result, for_human)
            .await?
        else {
            // A concurrent delivery of the same message recorded it first and
            // publishes it; nothing left to do here (dropping the transaction
            // rolls it back).
            return Ok(None);
        };
        tx.commit().await.map_err(internal)?;
        self.announce(&written);
        self.publish_outbox(key, event.id(), &written.outbox)
            .await?;
        Ok(Some(written))
    }

    /// Writes a turn and its outbox in `tx` (the caller commits, then
    /// publishes, see [`Seller::announce`]). `None` when the turn was
    /// recorded before: nothing is written then, and the caller rolls back.
    pub(super) async fn write_answer(
        &self,
        tx: &mut sqlx::PgConnection,
        key: &ConversationKey,
        shopper: Shopper<'_>,
        result: TurnResult,
        for_human: bool,
    ) -> Result<Option<Written>, HandlerError> {
        let placed = placed_orders(&result);
        self.metrics.guard_interventions(result.guard_interventions);
        self.metrics.orders_placed(result.orders_placed);
        let outbox = self.outbox(shopper.answered, &result)?;

        // No AI reply reaches the shopper while a human owns the
        // conversation. A claim (`Seller::yield_to_human`) writes the
        // conversation's handler with an upsert of its row; this turn locks
        // that row (`select ... for update`) before it writes anything, and
        // publishes only after its commit. The claim's write and this commit
        // therefore serialise on the row lock:
        // - the claim committed first: the lock waits for it and then reads
        //   the committed `human` (under READ COMMITTED a locking read sees
        //   the latest committed row), so the AI's answer is withheld:
        //   nothing goes into the outbox, and the shopper's message is kept
        //   for the human like those that arrive during a hand-off;
        // - this turn committed first: the claim waits for this commit. The
        //   reply answers a message the AI took up before the human did, so
        //   sending it is correct, even though its publish (after the commit)
        //   may reach the bus just after the claim is applied. A redelivery
        //   only republishes what was committed; it never decides again.
        // The messages waiting in the shard behind this one read `human`
        // when their turn comes and are kept for the human without asking
        // the brain. The handler is written here only by an escalation;
        // otherwise the locked value is kept, so a turn never undoes a claim
        // or a deferral that committed while it ran.
        let now = db::lock_conversation(&mut *tx, key)
            .await
            .map_err(internal)?;
        let withheld = !for_human && now == Answerer::Human && !outbox.is_empty();
        let (result, outbox, for_human) = if withheld {
            (TurnResult::default(), Vec::new(), true)
        } else {
            (result, outbox, for_human)
        };
        let handler = if result.escalated {
            Answerer::Human
        } else {
            now
        };
        // A model may write anything: what is stored is what PostgreSQL
        // can store (no NUL), and the outbox is what is published.
        let mut outbox = serde_json::to_value(&outbox).map_err(internal)?;
        storable::json(&mut outbox);
        let mut result = result;
        storable::messages(&mut result.transcript);
        if let Some(state) = result.state.as_mut() {
            storable::json(state);
        }
        let user_text = storable::text(shopper.text);
        // What the conversation's history grows by, for the summary's check.
        let added = shopper
            .earlier
            .iter()
            .fold(HistorySize::default(), |size, (_, text)| {
                size.with_text(text)
            })
            .with_text(&user_text);
        let added = result
            .transcript
            .iter()
            .fold(added, |size, message| size.with(message));
        db::write_earlier_messages(&mut *tx, key, shopper.earlier, for_human)
            .await
            .map_err(internal)?;
        let written = db::write_turn(
            &mut *tx,
            key,
            TurnRecord {
                event_id: shopper.turn,
                user_text: &user_text,
                transcript: &result.transcript,
                outbox: outbox.clone(),
                brain_state: result.state.as_ref(),
                handler,
                for_human,
            },
        )
        .await
        .map_err(internal)?;
        if !written {
            return Ok(None);
        }
        Ok(Some(Written {
            conversation: key.conversation.clone(),
            outbox,
            withheld,
            reply: (!result.parts.is_empty()).then(|| parts_text(&result.parts)),
            escalated: result.escalated.then_some(!result.events.is_empty()),
            placed,
            added,
        }))
    }

    /// Logs and counts a committed turn, before its outbox is published.
    pub(super) fn announce(&self, written: &Written) {
        if written.withheld {
            self.metrics.reply_withheld();
            tracing::info!(conversation = %written.conversation, "a human took the conversation while the AI was answering; its reply is withheld and the message kept for them");
        } else if let Some(reply) = &written.reply {
            // The reply echoes the shopper: its text at debug only.
            tracing::info!(chars = reply.chars().count(), "answered");
            tracing::debug!(%reply, "answered with");
        }
        if let Some(with_event) = written.escalated {
            self.metrics
                .escalated(if with_event { "escalated" } else { "unknown" });
        }
    }

    /// The events a turn publishes: the reply to the shopper's message (when
    /// there is one), then the turn's own events (escalations).
    fn outbox(&self, event: &Event, result: &TurnResult) -> Result<Vec<Event>, HandlerError> {
        let mut outbox = Vec::new();
        if !result.parts.is_empty() {
            let message: ChatMessageNew = decode(event)?;
            let response = ChatResponse {
                channel: message.channel,
                recipient: message.customer.id.clone(),
                reply_to_message_id: Some(message.channel_message_id.clone()),
                sender: Sender::Ai,
                parts: result.parts.clone(),
            };
            let context = EventContext::caused_by(event)?;
            let response = new_event(&self.bus.config().source, &context, &response)
                .map_err(HandlerError::reject)?;
            outbox.push(response);
        }
        outbox.extend(result.events.iter().cloned());
        Ok(outbox)
    }

    /// Publishes a turn's outbox (the reply, escalations), then marks it
    /// published.
    #[tracing::instrument(skip_all, fields(conversation = %key.conversation, event_id = event_id))]
    pub(super) async fn publish_outbox(
        &self,
        key: &ConversationKey,
        event_id: &str,
        outbox: &Value,
    ) -> Result<(), HandlerError> {
        let events: Vec<Event> =
            serde_json::from_value(outbox.clone()).map_err(HandlerError::reject)?;
        for event in events {
            self.bus.publish(event).await.map_err(HandlerError::retry)?;
        }
        db::mark_published(&self.pool, key, event_id)
            .await
            .map_err(internal)
    }
}

/// The numbers of the orders a turn placed, from its tool results.
/// Enough of the latest exchange for a human to pick up the thread.
const HANDED_OVER: usize = 12;

/// How many stored messages of the latest exchange a turn reads: the rest
/// of [`HANDED_OVER`] are the messages being answered (`said`).
fn recent_wanted(said: &[(String, chrono::DateTime<chrono::Utc>)]) -> i64 {
    let said = said.iter().filter(|(text, _)| !text.is_empty()).count();
    i64::try_from(HANDED_OVER.saturating_sub(said)).unwrap_or(0)
}

/// The conversation's latest exchange (`stored`, oldest first), ending with
/// the shopper messages being answered (`said`: their texts and times, not
/// stored yet).
fn recent_exchange(
    mut stored: Vec<store_events::data::TranscriptMessage>,
    said: &[(String, chrono::DateTime<chrono::Utc>)],
) -> Vec<store_events::data::TranscriptMessage> {
    stored.extend(
        said.iter()
            .filter(|(text, _)| !text.is_empty())
            .map(|(text, at)| store_events::data::TranscriptMessage {
                role: store_events::data::Role::Customer,
                text: text.clone(),
                at: *at,
            }),
    );
    stored
}

fn placed_orders(result: &TurnResult) -> Vec<String> {
    result
        .transcript
        .iter()
        .filter(|m| m.role == crate::llm::Role::Tool && !m.is_error)
        .filter_map(|m| serde_json::from_str::<Value>(&m.content).ok())
        .filter(|v| v["placed"] == true)
        .filter_map(|v| v["order_number"].as_str().map(str::to_owned))
        .collect()
}

/// The conversation a shopper message belongs to: the event's, else the
/// channel and shopper.
pub(super) fn conversation_of(meta: &EventMeta, message: &ChatMessageNew) -> String {
    meta.conversation
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_else(|| format!("{}:{}", channel_name(message.channel), message.customer.id))
}

/// What the brain is asked in one turn: one shopper message, or a burst of
/// them as one.
pub(super) struct Asked<'a> {
    /// The message answered (a burst's last one): the shopper, the channel.
    pub message: &'a ChatMessageNew,
    /// Its event: the cause of the turn's requests and events.
    pub cause: &'a Event,
    /// What the shopper said, as one text.
    pub text: String,
    /// The id of a button or list row the shopper picked, if any.
    pub reply_id: Option<String>,
    /// Each message's text and time, for the hand-over transcript.
    pub said: Vec<(String, chrono::DateTime<chrono::Utc>)>,
}

/// The shopper's side of a turn, as stored.
pub(super) struct Shopper<'a> {
    /// The turn's id: the event id of the (last) message.
    pub turn: &'a str,
    /// The message the reply answers (its `reply_to`).
    pub answered: &'a Event,
    /// A burst's earlier messages, `(event id, text)`, in order.
    pub earlier: &'a [(&'a str, &'a str)],
    /// The text of the (last) message.
    pub text: &'a str,
}

/// A turn written, not yet committed.
pub(super) struct Written {
    conversation: String,
    /// Its outbox, as stored.
    pub outbox: Value,
    withheld: bool,
    reply: Option<String>,
    /// Escalated: with an escalation event (true) or without (false).
    escalated: Option<bool>,
    /// Order numbers placed in the turn.
    pub placed: Vec<String>,
    /// The messages it added to the conversation's history.
    pub added: HistorySize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-over sentence for `text`, when it asks for a person.
    fn handoff_for(text: &str, remembered: Option<&str>) -> Option<&'static str> {
        asks_for_human(text).then(|| {
            let lang = shopper_language(language::detect(text), None, remembered, "en");
            language::phrases(lang).handoff
        })
    }

    #[test]
    fn a_person_please_is_answered_in_the_shoppers_language() {
        let cases = [
            ("una persona, por favor", Lang::Es),
            ("quiero hablar con una persona", Lang::Es),
            ("una persona per favore", Lang::It),
            ("vorrei parlare con un operatore", Lang::It),
            ("eine Person, bitte", Lang::De),
            ("Ich möchte mit einem Mitarbeiter sprechen", Lang::De),
            ("une personne, s'il vous plaît", Lang::Fr),
            ("a person please", Lang::En),
        ];
        for (text, lang) in cases {
            let said = handoff_for(text, None);

            assert_eq!(said, Some(language::phrases(lang).handoff), "{text}");
        }
        assert!(
            handoff_for("una persona per favore", None).is_some_and(|s| s.contains("collega")),
            "Italian hand-over"
        );
    }

    #[test]
    fn words_that_tell_no_language_keep_the_one_the_shopper_wrote_in_before() {
        let said = handoff_for("HUMAN", Some("es"));

        assert_eq!(said, Some(language::phrases(Lang::Es).handoff));
        assert_eq!(
            shopper_language(None, Some("pt-BR"), Some("es"), "en"),
            Lang::Pt,
            "the channel's language comes before the remembered one"
        );
        assert_eq!(shopper_language(None, None, None, "it"), Lang::It);
    }
}
