//! Opening connections and channels to RabbitMQ, and declaring the exchange.

use lapin::{
    Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{ConfirmSelectOptions, ExchangeDeclareOptions},
    types::{FieldTable, LongString},
    uri::AMQPUri,
};
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use crate::{config::BusConfig, error::BusError};

/// Opens a connection named after the service and `role`, so the broker's
/// management UI shows who holds it.
///
/// `AMQP_URL` may name several nodes of a cluster, separated by commas: they
/// are tried in turn, starting one further along at every call, so after a
/// node dies the reconnecting consumers and publishers spread over the
/// survivors instead of all waiting on the dead one. The error is the last
/// node's (each earlier node's is logged at debug).
pub async fn open(config: &BusConfig, role: &str) -> Result<Connection, BusError> {
    let name = format!("{}:{role}", config.service);
    let urls = addresses(config.url.expose_secret());
    let first = NEXT.fetch_add(1, Ordering::Relaxed);
    let properties =
        || ConnectionProperties::default().with_connection_name(LongString::from(name.clone()));
    let count = urls.len();
    for turn in 0..count - 1 {
        match connect(urls[(first + turn) % count], properties()).await {
            Ok(connection) => return Ok(connection),
            Err(error) => {
                tracing::debug!(%error, node = turn, "broker node unreachable, trying the next")
            }
        }
    }
    connect(urls[(first + count - 1) % count], properties())
        .await
        .map_err(BusError::Connect)
}

/// Largest AMQP frame asked for, unless the URL sets `frame_max`.
///
/// lapin keeps a receive and a send buffer of 32 frames per connection, and
/// RabbitMQ offers 128 KiB frames: 8 MiB of memory per connection, most of
/// a service's memory at rest (a seller holds a dozen connections). Our
/// events are a few KiB; a bigger one's data travels as several body
/// frames. Its headers (the CloudEvents attributes and extensions) must fit
/// in one frame.
pub const FRAME_MAX: u32 = 16 * 1024;

/// Connects to `url`, asking for frames of at most [`FRAME_MAX`] bytes
/// unless the URL says otherwise.
async fn connect(url: &str, properties: ConnectionProperties) -> Result<Connection, lapin::Error> {
    match url.parse::<AMQPUri>() {
        Ok(mut uri) => {
            uri.query.frame_max.get_or_insert(FRAME_MAX);
            Connection::connect_uri(uri, properties).await
        }
        // lapin says what is wrong with it.
        Err(_) => Connection::connect(url, properties).await,
    }
}

/// Where the next [`open`] starts in the list of nodes.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The nodes in `urls`: comma-separated, blanks ignored; at least one entry
/// (the whole string) so a bad value still gives the broker's own error.
fn addresses(urls: &str) -> Vec<&str> {
    let list: Vec<&str> = urls
        .split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .collect();
    if list.is_empty() { vec![urls] } else { list }
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

#[cfg(test)]
mod tests {
    use super::addresses;

    #[test]
    fn a_cluster_is_given_as_comma_separated_urls() {
        assert_eq!(
            addresses("amqp://a:5672/%2f, amqp://b:5673/%2f,,amqp://c:5674/%2f"),
            [
                "amqp://a:5672/%2f",
                "amqp://b:5673/%2f",
                "amqp://c:5674/%2f"
            ]
        );
        assert_eq!(addresses("amqp://a/%2f"), ["amqp://a/%2f"]);
        assert_eq!(addresses(""), [""]);
    }
}
