//! The store's queues on the broker, deleted by `--reset` through
//! RabbitMQ's management API: messages of an earlier run (a stock
//! reservation in flight, a retry, a dead letter) must not act on the
//! fresh databases. The services declare their queues again when they
//! start.
//!
//! Which queues are the store's: the bus names every queue of a service
//! after the service (`catalog.products`, `seller.demo.fashion.shard-0`,
//! `order-processor.create.retry.1000ms`, `….dlq`), prefixed with the
//! exchange when the store has an exchange of its own
//! (`shop2.events.catalog.products`); see `store_bus::BusConfig::queue_name`.

use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;
use url::Url;

/// The first word of every queue a service declares.
pub const QUEUE_ROOTS: [&str; 5] = [
    "catalog.",
    "gateway.",
    "order-processor.",
    "sales-assistant.",
    "seller.",
];

/// Whether `queue` belongs to the store on `exchange` (`None`: the
/// default exchange, whose queues carry no prefix).
pub fn is_store_queue(queue: &str, exchange: Option<&str>) -> bool {
    store_queue_name(queue, exchange).is_some()
}

/// The name a service gave `queue` (`catalog.products`), without the
/// exchange's prefix, when it belongs to the store on `exchange`.
pub fn store_queue_name<'q>(queue: &'q str, exchange: Option<&str>) -> Option<&'q str> {
    let name = match exchange {
        None => queue,
        Some(exchange) => queue
            .strip_prefix(exchange)
            .and_then(|rest| rest.strip_prefix('.'))?,
    };
    QUEUE_ROOTS
        .iter()
        .any(|root| name.starts_with(root))
        .then_some(name)
}

#[derive(Deserialize)]
struct Queue {
    name: String,
    vhost: String,
}

/// Deletes every queue of the store on `exchange` (with its messages)
/// through the management API at `management_url`
/// (`http://user:password@host:15672`); the names deleted.
pub async fn delete_store_queues(
    management_url: &str,
    exchange: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let mut api = Url::parse(management_url)
        .context("RABBITMQ_MANAGEMENT_URL is not a URL (http://user:password@host:15672)")?;
    let user = decode(api.username());
    let password = api.password().map(decode);
    let _ = api.set_username("");
    let _ = api.set_password(None);
    let base = api.as_str().trim_end_matches('/').to_owned();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let unreachable = || {
        format!(
            "RabbitMQ's management API is not answering at {base} (RABBITMQ_MANAGEMENT_URL); \
             the broker's queues were not emptied"
        )
    };
    let queues: Vec<Queue> = http
        .get(format!("{base}/api/queues?columns=name,vhost"))
        .basic_auth(&user, password.as_deref())
        .send()
        .await
        .with_context(unreachable)?
        .error_for_status()
        .with_context(unreachable)?
        .json()
        .await
        .with_context(unreachable)?;
    let mut deleted = Vec::new();
    for queue in queues
        .into_iter()
        .filter(|q| is_store_queue(&q.name, exchange))
    {
        let url = format!(
            "{base}/api/queues/{}/{}",
            segment(&queue.vhost),
            segment(&queue.name)
        );
        let response = http
            .delete(url)
            .basic_auth(&user, password.as_deref())
            .send()
            .await
            .with_context(unreachable)?;
        // Gone already (deleted meanwhile) is as good as deleted.
        if !response.status().is_success() && response.status() != reqwest::StatusCode::NOT_FOUND {
            anyhow::bail!(
                "RabbitMQ refused to delete queue {}: {}",
                queue.name,
                response.status()
            );
        }
        deleted.push(queue.name);
    }
    Ok(deleted)
}

/// `text` as one path segment (`/` of the default vhost included).
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map_or_else(|| text.to_owned(), |(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_store_owns_its_unprefixed_queues_only() {
        assert!(is_store_queue("catalog.products", None));
        assert!(is_store_queue(
            "seller.demo.fashion.shard-1.retry.100ms",
            None
        ));
        assert!(!is_store_queue("shop2.events.catalog.products", None));
        assert!(!is_store_queue("bus-test-1.flaky", None));
    }

    #[test]
    fn a_named_store_owns_the_queues_under_its_exchange() {
        let exchange = Some("shop2.events");

        assert!(is_store_queue(
            "shop2.events.gateway.chat-response",
            exchange
        ));
        assert!(!is_store_queue("catalog.products", exchange));
        assert!(!is_store_queue("shop2.eventsx.catalog.products", exchange));
        assert!(!is_store_queue("shop2.events.other", exchange));
        assert_eq!(
            store_queue_name("shop2.events.catalog.products", exchange),
            Some("catalog.products")
        );
    }

    #[test]
    fn a_queue_name_is_one_segment() {
        assert_eq!(segment("/"), "%2F");
        assert_eq!(segment("a b.c"), "a%20b.c");
    }
}
