//! Inspecting and replaying a consumer's dead-letter queue.

use lapin::{
    BasicProperties,
    options::{BasicAckOptions, BasicGetOptions, BasicNackOptions},
    types::AMQPValue,
};

use crate::{
    binding::AmqpMessage,
    bus::Bus,
    connection,
    delivery::{ORIGINAL_ROUTING_KEY_HEADER, REPLAY_TO_HEADER, without_bus_headers},
    error::{BusError, PublishError},
    publisher::publish_confirmed,
    topology,
};

impl Bus {
    /// Moves up to `limit` messages from `queue`'s dead-letter queue back to
    /// `queue`, with the retry bookkeeping cleared so they get a full set of
    /// attempts. Each message is acked in the DLQ only after its republish is
    /// confirmed. Returns how many moved.
    #[tracing::instrument(skip_all, fields(queue = %queue, limit = limit))]
    pub async fn replay_dead_letters(
        &self,
        queue: &str,
        limit: usize,
    ) -> Result<usize, PublishError> {
        let dlq = topology::dead_letter_queue(queue);
        let connection = connection::open(self.config(), "replay").await?;
        let channel = connection::confirm_channel(&connection).await?;
        let mut moved = 0;
        while moved < limit {
            let Some(message) = channel
                .basic_get(dlq.as_str().into(), BasicGetOptions::default())
                .await
                .map_err(BusError::Channel)?
            else {
                break;
            };
            let delivery = message.delivery;
            let (exchange, routing_key) = replay_target(&delivery.properties, queue);
            let headers = delivery
                .properties
                .headers()
                .as_ref()
                .map(without_bus_headers)
                .unwrap_or_default();
            let replay = AmqpMessage {
                properties: delivery.properties.clone().with_headers(headers),
                body: delivery.data.clone(),
            };
            if let Err(error) = publish_confirmed(
                &channel,
                &exchange,
                &routing_key,
                &replay,
                self.config().confirm_timeout,
            )
            .await
            {
                let _ = delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    })
                    .await;
                return Err(error);
            }
            delivery
                .ack(BasicAckOptions::default())
                .await
                .map_err(|e| PublishError::Bus(BusError::Channel(e)))?;
            moved += 1;
        }
        let _ = connection.close(200, "replayed".into()).await;
        Ok(moved)
    }
}

fn header(properties: &BasicProperties, name: &str) -> Option<String> {
    match properties.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// Exchange and routing key a dead letter is replayed to: what the runner
/// recorded when it dead-lettered it, else `queue` through the default
/// exchange.
fn replay_target(properties: &BasicProperties, queue: &str) -> (String, String) {
    match header(properties, REPLAY_TO_HEADER) {
        Some(target) if target.starts_with("exchange:") => (
            target["exchange:".len()..].to_owned(),
            header(properties, ORIGINAL_ROUTING_KEY_HEADER).unwrap_or_default(),
        ),
        Some(target) if target.starts_with("queue:") => {
            (String::new(), target["queue:".len()..].to_owned())
        }
        _ => (String::new(), queue.to_owned()),
    }
}
