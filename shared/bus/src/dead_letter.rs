//! Inspecting and replaying a consumer's dead-letter queue.

use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions};

use crate::{
    binding::AmqpMessage,
    connection,
    delivery::without_bus_headers,
    error::{BusError, PublishError},
    publisher::{Bus, publish_confirmed},
    topology,
};

impl Bus {
    /// Moves up to `limit` messages from `queue`'s dead-letter queue back to
    /// `queue`, with the retry bookkeeping cleared so they get a full set of
    /// attempts. Each message is acked in the DLQ only after its republish is
    /// confirmed. Returns how many moved.
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
            if let Err(error) =
                publish_confirmed(&channel, "", queue, &replay, self.config().confirm_timeout).await
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
