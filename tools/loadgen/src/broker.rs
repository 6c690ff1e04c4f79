//! What RabbitMQ's management API says about the store: the depth of each
//! of its queues, how many messages were published to its exchange (the
//! events of every service, request/reply included), and how many copies
//! of them its queues took in and handed out (what the broker writes: a
//! copy in a quorum queue is a Raft log entry). The broker
//! refreshes these statistics every few seconds (`collect_statistics_interval`,
//! 5 s by default): a reading is that old at most.

use std::{collections::BTreeMap, time::Duration};

use anyhow::Context as _;
use serde::Deserialize;
use serde_json::Value;

/// The management API of one broker, for one store.
pub struct Management {
    http: reqwest::Client,
    base: String,
    user: String,
    password: Option<String>,
    exchange: String,
    /// `None`: the default store, whose queues carry no prefix.
    queue_prefix: Option<String>,
}

/// One queue's depth.
#[derive(Debug, Clone, Deserialize)]
pub struct Queue {
    /// Its name.
    pub name: String,
    /// Messages in it (ready and unacknowledged).
    #[serde(default)]
    pub messages: u64,
}

/// Copies that the queues of one family took in and handed out so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Messages routed into the queues (`message_stats.publish`).
    pub queued: u64,
    /// Messages handed to consumers (`message_stats.deliver_get`; a
    /// redelivery counts again).
    pub delivered: u64,
}

impl Traffic {
    /// What happened between `before` and this reading.
    pub fn since(&self, before: &Traffic) -> Traffic {
        Traffic {
            queued: self.queued.saturating_sub(before.queued),
            delivered: self.delivered.saturating_sub(before.delivered),
        }
    }
}

/// The family of a store queue, its name without the store's prefix, with
/// every shard and every seller's tenant and brand one `*`:
/// `seller.demo.fashion.shard-3` and `seller.bakery.bakery.shard-0` are
/// both `seller.*.*.shard-*`.
pub fn family(name: &str) -> String {
    let mut parts: Vec<&str> = name.split('.').collect();
    if parts.first() == Some(&"seller") {
        for part in parts.iter_mut().skip(1).take(2) {
            *part = "*";
        }
    }
    parts
        .iter()
        .map(|part| match part.strip_prefix("shard-") {
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => "shard-*",
            _ => part,
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(Debug, Deserialize)]
struct QueueStats {
    name: String,
    #[serde(default)]
    message_stats: MessageStats,
}

#[derive(Debug, Default, Deserialize)]
struct MessageStats {
    #[serde(default)]
    publish: u64,
    #[serde(default)]
    deliver_get: u64,
}

impl Management {
    /// The API at `url` (`http://user:password@host:15672`), for the store
    /// publishing on `exchange`.
    pub fn new(url: &str, exchange: &str) -> anyhow::Result<Self> {
        let mut api = reqwest::Url::parse(url).context("the management URL is not a URL")?;
        let user = api.username().to_owned();
        let password = api.password().map(str::to_owned);
        let _ = api.set_username("");
        let _ = api.set_password(None);
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            base: api.as_str().trim_end_matches('/').to_owned(),
            user,
            password,
            exchange: exchange.to_owned(),
            queue_prefix: (exchange != "agent-store.events").then(|| exchange.to_owned()),
        })
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.http
            .get(format!("{}{path}", self.base))
            .basic_auth(&self.user, self.password.as_deref())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("RabbitMQ's management API did not answer {path}"))?
            .json()
            .await
            .context("RabbitMQ's management API answered no JSON")
    }

    /// The store's queues and their depths, deepest first.
    pub async fn queues(&self) -> anyhow::Result<Vec<Queue>> {
        let all: Vec<Queue> =
            serde_json::from_value(self.get("/api/queues?columns=name,messages").await?)?;
        let mut mine: Vec<Queue> = all
            .into_iter()
            .filter(|q| store_stack::broker::is_store_queue(&q.name, self.queue_prefix.as_deref()))
            .collect();
        mine.sort_by(|a, b| b.messages.cmp(&a.messages).then(a.name.cmp(&b.name)));
        Ok(mine)
    }

    /// Copies taken in and handed out by the store's queues since each was
    /// declared, summed by [`family`].
    pub async fn traffic(&self) -> anyhow::Result<BTreeMap<String, Traffic>> {
        let all: Vec<QueueStats> = serde_json::from_value(
            self.get("/api/queues?columns=name,message_stats.publish,message_stats.deliver_get")
                .await?,
        )?;
        let mut families: BTreeMap<String, Traffic> = BTreeMap::new();
        for queue in all {
            let Some(name) =
                store_stack::broker::store_queue_name(&queue.name, self.queue_prefix.as_deref())
            else {
                continue;
            };
            let traffic = families.entry(family(name)).or_default();
            traffic.queued += queue.message_stats.publish;
            traffic.delivered += queue.message_stats.deliver_get;
        }
        Ok(families)
    }

    /// Messages published to the store's exchange since it was declared.
    pub async fn published(&self) -> anyhow::Result<u64> {
        let exchange = self
            .get(&format!("/api/exchanges/%2F/{}", self.exchange))
            .await?;
        Ok(exchange["message_stats"]["publish_in"]
            .as_u64()
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::family;

    #[test]
    fn shards_and_sellers_fall_into_one_family() {
        assert_eq!(family("seller.demo.fashion.shard-3"), "seller.*.*.shard-*");
        assert_eq!(
            family("seller.bakery.bakery.shard-12"),
            "seller.*.*.shard-*"
        );
        assert_eq!(
            family("seller.demo.tech.retry.1000ms"),
            "seller.*.*.retry.1000ms"
        );
        assert_eq!(
            family("sales-assistant.inbox.shard-0"),
            "sales-assistant.inbox.shard-*"
        );
        assert_eq!(family("catalog.products"), "catalog.products");
        assert_eq!(family("gateway.replies.shard-x"), "gateway.replies.shard-x");
    }
}
