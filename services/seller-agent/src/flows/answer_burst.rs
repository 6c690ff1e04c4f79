//! Answering a burst: shoppers often write one thought in several quick
//! messages ("hi" / "looking for" / "sneakers"). With a burst window
//! (`SELLER_BURST_WINDOW_MS`, > 0) the seller answers them once, as one
//! turn: [`Seller::buffer_message`] stores each message and lets its
//! delivery be acked; [`Seller::flush_burst`] answers a conversation's
//! waiting messages once the newest is older than the window (armed by an
//! in-process timer per conversation and by a sweeper on every replica,
//! [`crate::consumers::bursts`]).
//!
//! # Why nothing is lost, doubled or answered out of order
//!
//! - **Accepted means stored.** A message's delivery is acked only after
//!   its `burst_message` row is committed (one row per event id: a
//!   redelivery finds it and adds nothing, whether its burst is answered
//!   or not). From then on the row, not the broker, holds the message.
//! - **Someone flushes it.** The replica that stored it arms a timer for
//!   the conversation; if that replica dies, the sweeper of any replica
//!   (every second, and at start) finds conversations whose newest
//!   waiting message is older than the window and flushes them.
//! - **One flush at a time per conversation.** A flush holds the
//!   conversation's burst lock (a PostgreSQL session advisory lock on a
//!   connection of its own, [`db::BurstLock`]) from before it reads the
//!   waiting messages until its turn is published: a timer and the
//!   sweepers of other replicas that want the same conversation meanwhile
//!   get [`Flush::Busy`] and try again later. A dead replica's session
//!   ends and its lock with it. So no two flushes ever read the same
//!   waiting messages, and bursts are answered in order.
//! - **Answered once.** The flush writes its turn (keyed by the burst's
//!   last event id), its outbox, the shopper's messages in memory and the
//!   `answered_by` of exactly the messages it read in one transaction,
//!   under the lock; a message stored after it read them waits for the
//!   next flush. Then it publishes the outbox and marks it published,
//!   still under the lock. A crash between the commit and the publish
//!   leaves the turn `ready`: the next flush of the conversation (the
//!   sweeper looks for such turns too) republishes the same events before
//!   anything else. The brain is asked again only for messages whose turn
//!   never committed.
//! - **In order.** A conversation's shard hands its messages over one at a
//!   time, in order, to one active consumer across replicas, so their
//!   `seq` is the order the shopper wrote them in; the flush reads them by
//!   `seq` and joins their texts into the one text the brain sees. The
//!   reply's `reply_to` is the last message answered.
//! - **Never over a human.** While a human has the conversation a message
//!   is flushed at once, without the window, and kept for the human as in
//!   [`super::answer_shopper`]; a claim that lands while the brain thinks
//!   is seen under the conversation's row lock when the turn is written
//!   ([`Seller::write_answer`]), and the reply is withheld.
//! - **A tap is a complete intent.** A button or list tap is not a
//!   fragment of a thought: it flushes the burst at once, itself included,
//!   as one turn whose picked id is the tap's.
//! - **The first message waits too.** "hi" then "looking for sneakers" is
//!   the commonest burst of all; the brain still greets a new shopper.

use std::time::{Duration, Instant};

use cloudevents::{AttributesReader, Event};
use store_bus::HandlerError;
use store_events::{
    EventMeta,
    data::{ChatMessageNew, MessageContent},
    decode,
};

use tracing::Instrument as _;

use super::{
    Seller,
    answer_shopper::{Asked, Shopper, channel_name, conversation_of},
    internal,
};
use crate::{
    brain::TurnResult,
    db::{self, BurstLock, ConversationKey},
    domain::handoff::Answerer,
};

/// A stored message's conversation, and how long its burst may wait for
/// more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The conversation.
    pub conversation: String,
    /// Flush after this long (zero: at once).
    pub wait: Duration,
}

/// What a flush did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// The waiting messages were answered as one turn (or kept for a
    /// human).
    Answered,
    /// Nothing was waiting.
    Nothing,
    /// Another flush of the conversation is running (here or on another
    /// replica).
    Busy,
    /// The newest waiting message is younger than the window: try again
    /// after this long.
    NotDue(Duration),
}

impl Seller {
    /// Stores the shopper message `event` in its conversation's burst (once:
    /// a redelivery adds nothing). `None` when it needs no flush: it was
    /// answered before a burst window was set.
    pub async fn buffer_message(&self, event: &Event) -> Result<Option<Arrival>, HandlerError> {
        let meta = EventMeta::from_event(event)?;
        self.check_scope(&meta)?;
        let message: ChatMessageNew = decode(event)?;
        let conversation = conversation_of(&meta, &message);
        let key = self.key(&conversation);
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        if let Some(turn) = self.answered_before(&mut conn, &key, event).await? {
            drop(conn);
            self.republish(&key, event, &turn).await?;
            return Ok(None);
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
        let tap = matches!(message.content, MessageContent::InteractiveReply { .. });
        let json = serde_json::to_value(event).map_err(HandlerError::reject)?;
        let stored_now = db::buffer_message(&self.pool, &key, event.id(), &json, tap)
            .await
            .map_err(internal)?;
        if !stored_now {
            tracing::debug!(%conversation, "message already in its burst");
        }
        let wait = if tap || stored.handler == Answerer::Human {
            Duration::ZERO
        } else {
            self.burst_window
        };
        Ok(Some(Arrival { conversation, wait }))
    }

    /// Answers `conversation`'s waiting messages as one turn when its burst
    /// is due (see the module's doc for why this is safe with any number of
    /// replicas).
    pub async fn flush_burst(&self, conversation: &str) -> Result<Flush, HandlerError> {
        let started = Instant::now();
        let key = self.key(conversation);
        let Some(mut lock) = BurstLock::try_acquire(&self.pool, &key)
            .await
            .map_err(internal)?
        else {
            return Ok(Flush::Busy);
        };
        let flushed = self.flush_locked(&mut lock, &key, started).await;
        if let Err(error) = lock.release().await {
            // Its connection is closed instead, which releases it too.
            tracing::warn!(%error, "could not release a burst lock");
        }
        flushed
    }

    async fn flush_locked(
        &self,
        lock: &mut BurstLock,
        key: &ConversationKey,
        started: Instant,
    ) -> Result<Flush, HandlerError> {
        // What a flush that stopped after its commit left unpublished goes
        // out first, so replies keep their order.
        for (turn, outbox) in db::unpublished_burst_turns(lock.connection(), key)
            .await
            .map_err(internal)?
        {
            tracing::info!(%turn, "publishing a burst's answer left unpublished");
            self.publish_outbox(key, &turn, &outbox).await?;
        }
        let (waiting, now) = db::waiting_messages(lock.connection(), key)
            .await
            .map_err(internal)?;
        let Some(newest) = waiting.last() else {
            return Ok(Flush::Nothing);
        };
        let handler = db::load_conversation(&self.pool, key)
            .await
            .map_err(internal)?
            .map_or(Answerer::Ai, |c| c.handler);
        let age = (now - newest.received_at).to_std().unwrap_or_default();
        let tap = waiting.iter().any(|m| m.tap);
        if !tap && handler != Answerer::Human && age < self.burst_window {
            return Ok(Flush::NotDue(self.burst_window - age));
        }

        let messages = waiting
            .iter()
            .map(|m| {
                let event: Event =
                    serde_json::from_value(m.event.clone()).map_err(HandlerError::reject)?;
                let message: ChatMessageNew = decode(&event)?;
                Ok((event, message))
            })
            .collect::<Result<Vec<_>, HandlerError>>()?;
        let (_, first) = &messages[0];
        let stored = db::ensure_conversation(
            &mut *self.pool.acquire().await.map_err(internal)?,
            key,
            &first.customer.id,
            channel_name(first.channel),
        )
        .await
        .map_err(internal)?;
        // Each message as the seller takes it: text, a caption, a
        // transcribed voice note, or a fixed reply (a picture, a sticker…).
        let mut inputs = Vec::with_capacity(messages.len());
        for (event, message) in &messages {
            inputs.push(self.read_input(event, message, &stored).await?);
        }
        let said: Vec<(String, Option<String>)> = inputs
            .iter()
            .map(|i| (i.text.clone(), i.reply_id.clone()))
            .collect();
        // Reactions are kept in memory but need no answer.
        let answerable: Vec<usize> = (0..messages.len())
            .filter(|&i| !matches!(messages[i].1.content, MessageContent::Reaction { .. }))
            .collect();
        // What the brain reads: the answerable messages that have words; a
        // burst of nothing but pictures or stickers gets the last one's
        // fixed reply instead.
        let readable: Vec<usize> = answerable
            .iter()
            .copied()
            .filter(|&i| inputs[i].fixed.is_none())
            .collect();
        let last = messages.len() - 1;
        let answered = answerable.last().copied().unwrap_or(last);
        // The turn runs in the answered message's trace, as a consumer's
        // handling would (the flush runs from a timer, outside any).
        let span = tracing::info_span!("burst", conversation = %key.conversation, messages = messages.len());
        store_telemetry::propagation::set_parent(&span, &messages[answered].0);
        async {
            let (event, message) = &messages[answered];

            // `read`: the history's size the brain was given, when asked.
            let (result, for_human, read) = if answerable.is_empty() {
                (TurnResult::default(), false, None)
            } else if stored.handler == Answerer::Human {
                tracing::info!(conversation = %key.conversation, messages = messages.len(), "a human has this conversation; messages kept for them");
                (TurnResult::default(), true, None)
            } else if readable.is_empty() {
                let fixed = inputs
                    .get_mut(answered)
                    .and_then(|i| i.fixed.take())
                    .unwrap_or_default();
                (fixed, false, None)
            } else {
                let text = readable
                    .iter()
                    .map(|&i| said[i].0.trim())
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n");
                let reply_id = readable.iter().rev().find_map(|&i| said[i].1.clone());
                let asked = Asked {
                    message,
                    cause: event,
                    text,
                    reply_id,
                    said: readable
                        .iter()
                        .map(|&i| (said[i].0.clone(), messages[i].1.sent_at))
                        .collect(),
                };
                let (result, read) = self.think(key, &key.conversation, &stored, asked).await?;
                (result, false, Some(read))
            };

            let turn = waiting[last].event_id.as_str();
            let earlier: Vec<(&str, &str)> = waiting[..last]
                .iter()
                .zip(&said)
                .map(|(m, (text, _))| (m.event_id.as_str(), text.as_str()))
                .collect();
            let shopper = Shopper {
                turn,
                answered: event,
                earlier: &earlier,
                text: &said[last].0,
            };
            let ids: Vec<String> = waiting.iter().map(|m| m.event_id.clone()).collect();
            let mut tx = sqlx::Connection::begin(lock.connection())
                .await
                .map_err(internal)?;
            let written = self
                .write_answer(&mut tx, key, shopper, result, for_human)
                .await?;
            if written.is_none() {
                // Its last message was answered on its own before a window was
                // set: the burst's messages count as answered by that turn, and
                // its redelivery path publishes it.
                tracing::warn!(%turn, "burst's last message already has a turn");
                tx.rollback().await.map_err(internal)?;
                tx = sqlx::Connection::begin(lock.connection())
                    .await
                    .map_err(internal)?;
            }
            let marked = db::mark_answered(&mut tx, key, &ids, turn)
                .await
                .map_err(internal)?;
            if marked != ids.len() as u64 {
                // Cannot happen under the lock; never answer twice if it does.
                return Err(HandlerError::retry(std::io::Error::other(format!(
                    "{marked} of the burst's {} messages were still waiting",
                    ids.len()
                ))));
            }
            tx.commit().await.map_err(internal)?;
            let Some(written) = written else {
                return Ok(Flush::Answered);
            };
            self.announce(&written);
            self.publish_outbox(key, turn, &written.outbox).await?;
            if messages.len() > 1 {
                self.metrics.messages_merged(messages.len());
            }
            if let Some(read) = read {
                let after = read.plus(written.added);
                self.after_turn(key, &message.customer.id, written.placed, started, Some(after))
                    .await;
            }
            Ok(Flush::Answered)
        }
        .instrument(span)
        .await
    }
}
