//! What RabbitMQ's management API says about the store: the depth of each
//! of its queues, and how many messages were published to its exchange
//! (the events of every service, request/reply included). The broker
//! refreshes these statistics every few seconds (`collect_statistics_interval`,
//! 5 s by default): a reading is that old at most.

use std::time::Duration;

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
