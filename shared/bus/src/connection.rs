//! Opening connections and channels to RabbitMQ, and declaring the exchange.

use lapin::{
    Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{ConfirmSelectOptions, ExchangeDeclareOptions},
    types::{FieldTable, LongString},
};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use crate::{config::BusConfig, error::BusError};

/// Opens a connection named after the service and `role`, so the broker's
/// management UI shows who holds it.
pub async fn open(config: &BusConfig, role: &str) -> Result<Connection, BusError> {
    let name = format!("{}:{role}", config.service);
    let properties = ConnectionProperties::default().with_connection_name(LongString::from(name));
    Connection::connect(config.url.expose_secret(), properties)
        .await
        .map_err(BusError::Connect)
}

/// Opens a connection, retrying with backoff until it succeeds or `cancel`
/// fires (then `None`). Used by long-running consumers, which must outlive a
/// broker restart.
pub async fn open_with_retry(
    config: &BusConfig,
    role: &str,
    cancel: &CancellationToken,
) -> Option<Connection> {
    let mut attempt = 0;
    loop {
        match open(config, role).await {
            Ok(connection) => return Some(connection),
            Err(error) => {
                let delay = config.reconnect.delay(attempt);
                tracing::warn!(%error, role, retry_in_ms = delay.as_millis() as u64, "broker unreachable");
                attempt = attempt.saturating_add(1);
                tokio::select! {
                    () = cancel.cancelled() => return None,
                    () = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// Opens a channel with publisher confirms on.
pub async fn confirm_channel(connection: &Connection) -> Result<Channel, BusError> {
    let channel = connection
        .create_channel()
        .await
        .map_err(BusError::Channel)?;
    // Confirms: the broker tells us when it has taken responsibility for each
    // message, so nothing we report as published can be lost.
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(BusError::Channel)?;
    Ok(channel)
}

/// Declares the durable topic exchange every event goes through.
pub async fn declare_exchange(channel: &Channel, exchange: &str) -> Result<(), BusError> {
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            // Durable: the exchange (and so the bindings to durable queues)
            // survives a broker restart.
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|source| BusError::Declare {
            what: format!("exchange {exchange}"),
            source,
        })
}
