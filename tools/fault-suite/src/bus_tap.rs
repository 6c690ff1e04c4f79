//! A tap on the store's exchange: a durable quorum queue of the suite's
//! bound to every `store.chat.message.new` and `store.chat.response`, so
//! the ledger counts from outside the services what they published, across
//! broker restarts. Drained (and so emptied) after each row.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use anyhow::Context as _;
use lapin::{
    Connection, ConnectionProperties,
    options::{BasicGetOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, ShortString},
};
use serde_json::Value;

/// The tap's queue.
const QUEUE: &str = "fault-suite.tap";
/// The services' exchange (the default one).
const EXCHANGE: &str = "agent-store.events";

/// What the tap saw, by the shopper message it is about.
#[derive(Debug, Default)]
pub struct Tap {
    /// `store.chat.message.new` event ids, by the channel's message id.
    pub messages: HashMap<String, HashSet<String>>,
    /// The AI's `store.chat.response` event ids, by the shopper message they
    /// answer.
    pub answers: HashMap<String, HashSet<String>>,
}

/// Declares and binds the tap's queue (idempotent).
pub async fn declare(amqp_urls: &str) -> anyhow::Result<()> {
    let connection = connect(amqp_urls).await?;
    let channel = connection.create_channel().await?;
    let mut args = FieldTable::default();
    args.insert(
        ShortString::from("x-queue-type"),
        AMQPValue::LongString("quorum".into()),
    );
    channel
        .queue_declare(
            QUEUE.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            args,
        )
        .await
        .context("Failed to declare the tap's queue")?;
    for key in ["store.chat.message.new.#", "store.chat.response.#"] {
        channel
            .queue_bind(
                QUEUE.into(),
                EXCHANGE.into(),
                key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .context("Failed to bind the tap's queue")?;
    }
    let _ = connection.close(200, "declared".into()).await;
    Ok(())
}

impl Tap {
    /// Takes every event waiting in the tap's queue into the counts,
    /// retrying for up to `patience` while the broker is unreachable.
    pub async fn drain(&mut self, amqp_urls: &str, patience: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match self.drain_once(amqp_urls).await {
                Ok(()) => return Ok(()),
                Err(error) if tokio::time::Instant::now() < deadline => {
                    eprintln!("  (tap: {error:#}; retrying)");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn drain_once(&mut self, amqp_urls: &str) -> anyhow::Result<()> {
        let connection = connect(amqp_urls).await?;
        let channel = connection.create_channel().await?;
        while let Some(message) = channel
            .basic_get(QUEUE.into(), BasicGetOptions { no_ack: true })
            .await?
        {
            let delivery = message.delivery;
            let header = |name: &str| -> Option<String> {
                let headers = delivery.properties.headers().as_ref()?;
                match headers.inner().get(name)? {
                    AMQPValue::LongString(s) => Some(s.to_string()),
                    AMQPValue::ShortString(s) => Some(s.to_string()),
                    _ => None,
                }
            };
            let (Some(kind), Some(id)) = (header("ce-type"), header("ce-id")) else {
                continue;
            };
            let data: Value = serde_json::from_slice(&delivery.data).unwrap_or_default();
            if kind == "store.chat.message.new" {
                if let Some(wamid) = data["channel_message_id"].as_str() {
                    self.messages
                        .entry(wamid.to_owned())
                        .or_default()
                        .insert(id);
                }
            } else if kind == "store.chat.response"
                && data["sender"] == "ai"
                && let Some(wamid) = data["reply_to_message_id"].as_str()
            {
                self.answers.entry(wamid.to_owned()).or_default().insert(id);
            }
        }
        let _ = connection.close(200, "drained".into()).await;
        Ok(())
    }
}

/// Connects to the first node of `amqp_urls` (comma-separated) that answers.
async fn connect(amqp_urls: &str) -> anyhow::Result<Connection> {
    let mut last = None;
    for url in amqp_urls.split(',') {
        match tokio::time::timeout(
            Duration::from_secs(5),
            Connection::connect(url.trim(), ConnectionProperties::default()),
        )
        .await
        {
            Ok(Ok(connection)) => return Ok(connection),
            Ok(Err(error)) => last = Some(anyhow::Error::from(error)),
            Err(_) => last = Some(anyhow::anyhow!("connecting to {url} timed out")),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no broker URL")))
}
