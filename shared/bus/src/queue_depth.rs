//! How many messages wait in a consumer's queues, as metrics: every
//! `BusConfig::queue_depth_interval` a task asks the broker for the depth
//! of each queue the consumer takes from (every shard's) and of its
//! dead-letter queue (a passive declare, which changes nothing), and sets
//! the gauges `store_queue_messages{queue}` and
//! `store_dead_letter_messages{queue}`. Alerts and dashboards then need only
//! the services' own `/metrics`. A failed look (the broker away) leaves the
//! last values and is tried again at the next tick; the task stops with the
//! consumer.

use lapin::{Channel, Connection};
use store_telemetry::metrics::Metrics;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{config::BusConfig, connection, error::BusError, topology};

/// Starts the task watching `queues` and `dead_letter_queue`.
pub(crate) fn watch(
    bus: BusConfig,
    queues: Vec<String>,
    dead_letter_queue: String,
    metrics: Metrics,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut open: Option<(Connection, Channel)> = None;
        loop {
            if let Err(error) = look(&bus, &mut open, &queues, &dead_letter_queue, &metrics).await {
                tracing::debug!(%error, "could not read queue depths; trying at the next tick");
                // A refused declare closes the channel, not the connection:
                // close it, or every failed tick would leave one open.
                if let Some((connection, _)) = open.take() {
                    let _ = connection.close(200, "reopening".into()).await;
                }
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(bus.queue_depth_interval) => {}
            }
        }
        if let Some((connection, _)) = open {
            let _ = connection.close(200, "stopped".into()).await;
        }
    })
}

/// Reads every depth once, opening the connection first if needed.
async fn look(
    bus: &BusConfig,
    open: &mut Option<(Connection, Channel)>,
    queues: &[String],
    dead_letter_queue: &str,
    metrics: &Metrics,
) -> Result<(), BusError> {
    if open.as_ref().is_none_or(|(c, _)| !c.status().connected()) {
        let connection = connection::open(bus, "queue-depth").await?;
        let channel = connection
            .create_channel()
            .await
            .map_err(BusError::Channel)?;
        *open = Some((connection, channel));
    }
    let Some((_, channel)) = open.as_ref() else {
        return Ok(());
    };
    for queue in queues {
        metrics
            .bus()
            .queue_depth(queue, depth(channel, queue).await?);
    }
    metrics
        .bus()
        .dead_letter_depth(dead_letter_queue, depth(channel, dead_letter_queue).await?);
    Ok(())
}

async fn depth(channel: &Channel, queue: &str) -> Result<u32, BusError> {
    Ok(topology::inspect(channel, queue).await?.message_count())
}
