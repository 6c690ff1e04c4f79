//! The ceiling of "HTTP in, one confirmed event out" on this machine: an
//! axum handler that publishes the request body with a confirm (mandatory,
//! persistent) on one lapin channel and does nothing else. The gateway's
//! ingestion bench and loadgen's `--ingest` measure the gateway beside it.

use std::sync::Arc;

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
    routing_key: String,
}

async fn publish(State(target): State<Arc<Target>>, body: Bytes) -> StatusCode {
    let published = target
        .channel
        .basic_publish(
            target.exchange.as_str().into(),
            target.routing_key.as_str().into(),
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            &body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await;
    match published {
        Ok(confirm) => match confirm.await {
            Ok(Confirmation::Ack(None)) => StatusCode::OK,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        },
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Starts the handler on a free loopback port, publishing to `exchange`
/// (declared here, a durable topic exchange) with `routing_key`, whose
/// queue the caller binds: its URL, and the connection (closing it stops
/// the publishing).
pub async fn start(
    amqp_url: &str,
    exchange: &str,
    routing_key: &str,
) -> anyhow::Result<(String, Connection)> {
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
            routing_key: routing_key.to_owned(),
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/publish", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((url, connection))
}
