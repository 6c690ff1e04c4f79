//! The ceiling of "HTTP in, confirmed events out" on this machine: an axum
//! handler that publishes the request body with a confirm (mandatory,
//! persistent, or not mandatory for an audit key as the gateway publishes
//! its raw events) on one lapin channel, once per routing key it was given,
//! and does nothing else. With one key it is the bare handler the gateway's
//! ingestion bench and loadgen's `--ingest` measure the gateway beside; with
//! two it does the broker work the gateway's contract asks of a webhook (two
//! events, both confirmed before the answer), and nothing of the rest.

use std::sync::Arc;

use futures::future::try_join_all;
pub use store_bus::Routing;

use anyhow::Context as _;
use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing::post};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind,
    options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions},
    types::FieldTable,
};

struct Target {
    channel: Channel,
    exchange: String,
    routes: Vec<(String, Routing)>,
}

/// Publishes the body once per key, all of them before waiting for any
/// confirm (they are pipelined on the channel): 200 once every one is
/// acked without a return.
async fn publish(State(target): State<Arc<Target>>, body: Bytes) -> StatusCode {
    let mut confirms = Vec::with_capacity(target.routes.len());
    for (key, routing) in &target.routes {
        let published = target
            .channel
            .basic_publish(
                target.exchange.as_str().into(),
                key.as_str().into(),
                BasicPublishOptions {
                    mandatory: *routing == Routing::Required,
                    ..BasicPublishOptions::default()
                },
                &body,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await;
        match published {
            Ok(confirm) => confirms.push(confirm),
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
        }
    }
    match try_join_all(confirms).await {
        Ok(all) if all.iter().all(|c| matches!(c, Confirmation::Ack(None))) => StatusCode::OK,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Starts the handler on a free loopback port, publishing each request to
/// `exchange` (declared here, a durable topic exchange) once with each of
/// `routes`' keys, mandatory or not as each says (the caller binds the
/// queues that keep them; a [`Routing::IfBound`] key nothing takes is
/// confirmed and dropped): its URL, and the connection (closing it stops
/// the publishing).
pub async fn start(
    amqp_url: &str,
    exchange: &str,
    routes: &[(&str, Routing)],
) -> anyhow::Result<(String, Connection)> {
    anyhow::ensure!(!routes.is_empty(), "the bare handler needs a routing key");
    let connection = Connection::connect(amqp_url, ConnectionProperties::default())
        .await
        .context("Failed to connect to the broker")?;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    let router = Router::new()
        .route("/publish", post(publish))
        .with_state(Arc::new(Target {
            channel,
            exchange: exchange.to_owned(),
            routes: routes.iter().map(|(k, r)| ((*k).to_owned(), *r)).collect(),
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/publish", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((url, connection))
}
