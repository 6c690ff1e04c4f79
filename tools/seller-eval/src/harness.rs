//! Plays the scenarios in the real shop ([`crate::shop::Shop`]): one seller
//! per brand the scenarios use, each scenario `k` times, several runs at
//! once, each run a new shopper in a new conversation; what the seller said
//! and the shop holds afterwards judged by the scenario's checks and the
//! figure check ([`crate::figures`]).
//!
//! Replies reach the runs through one router (the shop has one shopper
//! queue), by conversation, and are told apart per turn by the message they
//! answer (`reply_to_message_id`), so a late second reply counts for the
//! turn it answers. Tokens come from the sellers' `/metrics`; with a model,
//! runs of one brand take turns so each run's tokens are its own.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context as _;
use cloudevents::{AttributesReader, Event};
use futures::{StreamExt as _, stream};
use store_bus::{ConsumerConfig, Inbox};
use store_events::{
    data::{
        ChatMessageNew, ChatResponse, Customer, InventoryChanged, MediaKind, MessageContent,
        Sender, SharedContact,
    },
    decode,
    envelope::string_extension,
    ext,
};
use tokio::sync::mpsc;

use seller_agent::llm::LlmConfig;

use crate::{
    metrics::{SellerCounters, Tokens},
    report::{Outcome, Prices, Report, RunOutcome},
    scenario::{
        self, CatalogView, MediaSpec, MediaSpecKind, Observed, OrderLineSeen, OrderSeen, Scenario,
        Sent, StockLevel,
    },
    shop::{Seller, Shop, TENANT},
    stock::{CatalogRow, History},
};

/// How long to wait, after a scenario's last reply, for an escalation.
const ESCALATION_GRACE: Duration = Duration::from_millis(300);

/// How to run the evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenarios (every `*.yaml` in it).
    pub scenarios_dir: PathBuf,
    /// The model, or `None` for the offline brain.
    pub llm: Option<LlmConfig>,
    /// How long to wait for each reply.
    pub reply_timeout: Duration,
    /// Only scenarios whose name contains this.
    pub only: Option<String>,
    /// Runs of each scenario (default 1 offline, 4 with a model).
    pub k: usize,
    /// Runs played at once.
    pub jobs: usize,
    /// The sellers' burst window (`SELLER_BURST_WINDOW_MS`): messages of a
    /// shopper this close together are one turn.
    pub burst_window: Duration,
    /// Model prices for the cost column.
    pub prices: Prices,
}

impl Options {
    /// The repository's scenarios with `llm` (or the offline brain).
    pub fn new(llm: Option<LlmConfig>) -> Self {
        let offline = llm.is_none();
        Self {
            scenarios_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")),
            reply_timeout: if offline {
                Duration::from_secs(20)
            } else {
                Duration::from_secs(120)
            },
            llm,
            only: None,
            k: if offline { 1 } else { 4 },
            jobs: if offline { 8 } else { 4 },
            burst_window: Duration::from_millis(300),
            prices: Prices::default(),
        }
    }

    /// How long a turn that counts its replies keeps listening after the
    /// first one: a seller that answers each message of a burst has
    /// answered them all by then.
    fn settle(&self) -> Duration {
        self.burst_window + Duration::from_secs(1)
    }
}

/// Plays every scenario of `options` `k` times and reports their outcomes.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    let started = tokio::time::Instant::now();
    let mut scenarios = scenario::load_dir(&options.scenarios_dir)?;
    if let Some(only) = &options.only {
        scenarios.retain(|s| s.name.contains(only.as_str()));
    }
    let brands: BTreeSet<String> = scenarios.iter().map(|s| s.brand.clone()).collect();
    let mut shop = Shop::start().await?;
    shop.set_seller_env(
        "SELLER_BURST_WINDOW_MS",
        &options.burst_window.as_millis().to_string(),
    );
    let mut ports = BTreeMap::new();
    for brand in &brands {
        let port = shop
            .start_seller(Seller {
                brand: brand.clone(),
                llm: options.llm.clone(),
            })
            .await?;
        ports.insert(brand.clone(), port);
    }
    let history = Arc::new(Mutex::new(History::default()));
    let watcher = watch_stock(&shop, &brands, history.clone()).await?;
    let router = Router::start(shop.take_inbox());
    let played = play_all(&shop, &router, &history, &scenarios, &ports, options).await;
    router.stop();
    watcher.abort();
    let http = reqwest::Client::new();
    let mut totals = SellerCounters::default();
    let mut by_brand = BTreeMap::new();
    for (brand, port) in &ports {
        let counters = SellerCounters::scrape(&http, *port).await;
        if let Ok(c) = &counters {
            totals.tokens = totals.tokens.plus(c.tokens);
            totals.guard_interventions += c.guard_interventions;
        }
        by_brand.insert(brand.clone(), counters);
    }
    shop.stop().await;
    let mut runs = played?;
    // Runs of one brand that overlapped share its counter; when the brand
    // used no tokens at all, each of them used none.
    for (scenario, runs) in scenarios.iter().zip(&mut runs) {
        if let Some(Ok(c)) = by_brand.get(&scenario.brand)
            && c.tokens == Tokens::default()
        {
            for run in runs {
                run.tokens.get_or_insert_default();
            }
        }
    }

    let offline = options.llm.is_none();
    let outcomes = scenarios
        .iter()
        .zip(runs)
        .map(|(s, runs)| Outcome {
            name: s.name.clone(),
            language: s.language.clone(),
            turns: s.turns.len(),
            required: s.is_required(offline),
            runs,
        })
        .collect();
    let brain = match &options.llm {
        None => "offline".to_owned(),
        Some(llm) => format!("{:?}:{}", llm.provider, llm.model).to_lowercase(),
    };
    Ok(Report {
        brain,
        offline,
        k: options.k,
        outcomes,
        prices: options.prices,
        tokens: totals.tokens,
        guard_interventions: totals.guard_interventions,
        wall: started.elapsed(),
    })
}

/// Plays `k` runs of every scenario, `jobs` at once; the runs of scenario
/// `i` are at index `i`, in the order started.
async fn play_all(
    shop: &Shop,
    router: &Router,
    history: &Mutex<History>,
    scenarios: &[Scenario],
    ports: &BTreeMap<String, u16>,
    options: &Options,
) -> anyhow::Result<Vec<Vec<RunOutcome>>> {
    // With a model, one run per brand at a time: the brand's token counter
    // then moves for that run alone.
    let exclusive = options.llm.is_some();
    let locks: BTreeMap<&str, tokio::sync::Mutex<()>> = ports
        .keys()
        .map(|b| (b.as_str(), tokio::sync::Mutex::new(())))
        .collect();
    let http = reqwest::Client::new();
    let jobs: Vec<(usize, usize)> = (0..options.k.max(1))
        .flat_map(|run| (0..scenarios.len()).map(move |i| (i, run)))
        .collect();
    let results: Vec<(usize, usize, anyhow::Result<RunOutcome>)> = stream::iter(jobs)
        .map(|(i, run)| {
            let scenario = &scenarios[i];
            let (locks, http) = (&locks, &http);
            async move {
                let _turn = match (exclusive, locks.get(scenario.brand.as_str())) {
                    (true, Some(lock)) => Some(lock.lock().await),
                    _ => None,
                };
                let port = ports.get(&scenario.brand).copied();
                let counters = |port: Option<u16>| async move {
                    match port {
                        Some(port) if exclusive => SellerCounters::scrape(http, port).await.ok(),
                        _ => None,
                    }
                };
                let before = counters(port).await;
                let outcome = play_and_judge(shop, router, history, scenario, options).await;
                let after = counters(port).await;
                let outcome = outcome.map(|mut o| {
                    o.tokens = before.zip(after).map(|(b, a)| a.tokens.since(b.tokens));
                    o
                });
                (i, run, outcome)
            }
        })
        .buffer_unordered(options.jobs.max(1))
        .collect()
        .await;
    let mut out: Vec<Vec<(usize, RunOutcome)>> = vec![Vec::new(); scenarios.len()];
    for (i, run, outcome) in results {
        let outcome = outcome
            .with_context(|| format!("Failed to play {} (run {})", scenarios[i].name, run + 1))?;
        tracing::info!(scenario = %scenarios[i].name, run, failures = outcome.failures.len(), "judged");
        out[i].push((run, outcome));
    }
    Ok(out
        .into_iter()
        .map(|mut runs| {
            runs.sort_by_key(|(run, _)| *run);
            runs.into_iter().map(|(_, o)| o).collect()
        })
        .collect())
}

/// Plays one run of `scenario`, judges it, and cancels the orders it
/// placed, so their stock is back for the runs after it.
async fn play_and_judge(
    shop: &Shop,
    router: &Router,
    history: &Mutex<History>,
    scenario: &Scenario,
    options: &Options,
) -> anyhow::Result<RunOutcome> {
    let before = catalog_rows(shop, &scenario.brand).await?;
    let (conversation, seen) = play(shop, router, scenario, options).await?;
    let after = catalog_rows(shop, &scenario.brand).await?;
    tracing::info!(scenario = %scenario.name, replies = ?seen.replies, "played");
    let mut catalog = catalog_view(&before, &after);
    catalog.stock.extend(
        history
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .levels(&scenario.brand),
    );
    catalog.shop_texts = shop_texts(shop, &scenario.brand)?;
    let judged = scenario::evaluate(scenario, &catalog, &seen);
    release_orders(shop, &conversation).await?;
    Ok(RunOutcome {
        failures: judged.failures,
        figure_violations: judged.figure_violations,
        tokens: None,
    })
}

/// How long the catalog may take to take back a cancelled order's stock.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(10);

/// Cancels the open orders of `conversation` and waits until the catalog
/// has released their reservations.
async fn release_orders(shop: &Shop, conversation: &str) -> anyhow::Result<()> {
    let open: Vec<(String, String)> = sqlx::query_as(
        "select number, request_event_id from customer_order \
         where conversation = $1 and status <> 'cancelled'",
    )
    .bind(conversation)
    .fetch_all(&shop.orders_pool)
    .await
    .context("Failed to read orders")?;
    if open.is_empty() {
        return Ok(());
    }
    let mut reservations = Vec::new();
    for (number, reservation) in open {
        // An order past the point of cancelling keeps its stock.
        match shop.cancel_order(&number).await {
            Ok(()) => reservations.push(reservation),
            Err(error) => {
                tracing::warn!(%number, error = %format!("{error:#}"), "order not cancelled")
            }
        }
    }
    let deadline = tokio::time::Instant::now() + RELEASE_TIMEOUT;
    loop {
        let held: i64 = sqlx::query_scalar(
            "select count(*) from reservation where id = any($1) and status = 'reserved'",
        )
        .bind(&reservations)
        .fetch_one(&shop.catalog_pool)
        .await
        .context("Failed to read reservations")?;
        if held == 0 {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the catalog did not release cancelled orders' stock in {RELEASE_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Records the catalog's stock of `brands` now and every
/// `store.inventory.changed` from now on into `history`.
async fn watch_stock(
    shop: &Shop,
    brands: &BTreeSet<String>,
    history: Arc<Mutex<History>>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let (handler, mut events) = Inbox::channel();
    // The consumer stops with the shop's connection.
    let _consumer = shop
        .bus
        .consume(
            ConsumerConfig::new(
                format!("{}.eval-stock", shop.exchange),
                ["store.inventory.changed.#"],
            ),
            handler,
            tokio_util::sync::CancellationToken::new(),
        )
        .await
        .context("Failed to bind the stock watcher's queue")?;
    for brand in brands {
        let rows = catalog_rows(shop, brand).await?;
        history
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .seed(brand, &rows);
    }
    Ok(tokio::spawn(async move {
        let _consumer = _consumer;
        while let Some(event) = events.recv().await {
            if let Ok(changed) = decode::<InventoryChanged>(&event) {
                history
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .apply(&changed);
            }
        }
    }))
}

/// Routes the shopper queue's events to the runs, by conversation.
struct Router {
    routes: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Event>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Router {
    fn start(mut inbox: mpsc::UnboundedReceiver<Event>) -> Self {
        let routes: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Event>>>> = Arc::default();
        let task = tokio::spawn({
            let routes = routes.clone();
            async move {
                while let Some(event) = inbox.recv().await {
                    let Some(conversation) = string_extension(&event, ext::CONVERSATION) else {
                        continue;
                    };
                    let route = routes
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get(&conversation)
                        .cloned();
                    if let Some(route) = route {
                        let _ = route.send(event);
                    }
                }
            }
        });
        Self { routes, task }
    }

    /// The events of `conversation` from now on.
    fn subscribe(&self, conversation: &str) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(conversation.to_owned(), tx);
        rx
    }

    fn unsubscribe(&self, conversation: &str) {
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(conversation);
    }

    fn stop(&self) {
        self.task.abort();
    }
}

/// What a run has seen so far: every reply, per turn.
#[derive(Default)]
struct Conversation {
    /// Turn of each message sent, by its channel message id.
    turn_of: HashMap<String, usize>,
    /// Per turn: each reply's text and everything it showed.
    replies: Vec<Vec<(String, String)>>,
    escalated: bool,
}

impl Conversation {
    /// Takes in one event of the conversation; `current` is the turn a
    /// reply naming no message of the run counts for.
    fn take(&mut self, event: &Event, current: usize) {
        if event.ty().starts_with("store.sales.escalate") {
            self.escalated = true;
            return;
        }
        let Ok(response) = decode::<ChatResponse>(event) else {
            return;
        };
        // The order processor's own notices to the shopper are not the seller's.
        if response.sender != Sender::Ai {
            return;
        }
        let turn = response
            .reply_to_message_id
            .as_ref()
            .and_then(|id| self.turn_of.get(id))
            .copied()
            .unwrap_or(current);
        if let Some(replies) = self.replies.get_mut(turn) {
            replies.push((text_of(&response), shown_of(&response)));
        }
    }

    /// Takes in events until `done` holds or `timeout` passes.
    async fn listen(
        &mut self,
        events: &mut mpsc::UnboundedReceiver<Event>,
        current: usize,
        timeout: Duration,
        done: impl Fn(&Self) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(self) {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(event)) => self.take(&event, current),
                _ => return,
            }
        }
    }
}

/// Plays one run of `scenario` as a new shopper in a new conversation.
async fn play(
    shop: &Shop,
    router: &Router,
    scenario: &Scenario,
    options: &Options,
) -> anyhow::Result<(String, Observed)> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let conversation = format!("wa:eval{}", &id[..12]);
    let customer = Customer {
        id: format!("cust-{id}"),
        display_name: Some("Alex".into()),
        phone: None,
        language: None,
    };
    let mut events = router.subscribe(&conversation);
    let mut seen = Conversation::default();
    let played = async {
        for (t, turn) in scenario.turns.iter().enumerate() {
            seen.replies.push(Vec::new());
            for message in turn.messages()? {
                let event = shop
                    .send(
                        &scenario.brand,
                        &conversation,
                        customer.clone(),
                        content(&message),
                    )
                    .await?;
                let sent: ChatMessageNew = decode(&event)?;
                seen.turn_of.insert(sent.channel_message_id, t);
            }
            seen.listen(&mut events, t, options.reply_timeout, |c| {
                !c.replies[t].is_empty()
            })
            .await;
            if turn.counts_replies() && !seen.replies[t].is_empty() {
                seen.listen(&mut events, t, options.settle(), |_| false)
                    .await;
            }
        }
        // An escalation may follow the last reply.
        let last = scenario.turns.len().saturating_sub(1);
        seen.listen(&mut events, last, ESCALATION_GRACE, |_| false)
            .await;
        anyhow::Ok(())
    }
    .await;
    router.unsubscribe(&conversation);
    played?;
    let observed = Observed {
        replies: seen
            .replies
            .iter()
            .map(|rs| {
                (!rs.is_empty()).then(|| {
                    rs.iter()
                        .map(|(text, _)| text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            })
            .collect(),
        reply_counts: seen.replies.iter().map(Vec::len).collect(),
        shown: seen
            .replies
            .iter()
            .map(|rs| rs.iter().map(|(_, shown)| shown.clone()).collect())
            .collect(),
        escalated: seen.escalated,
        orders: orders_of(shop, &conversation).await?,
    };
    Ok((conversation, observed))
}

/// The chat message a scenario's message becomes, as the gateway would
/// publish it (media with a made-up channel media id).
fn content(sent: &Sent) -> MessageContent {
    let media = |media_kind, mime: &str, caption: Option<String>| MessageContent::Media {
        media_kind,
        media_id: Some(format!("eval-media-{}", uuid::Uuid::new_v4().simple())),
        url: None,
        mime_type: Some(mime.to_owned()),
        caption,
        filename: None,
    };
    match sent {
        Sent::Text(text) => MessageContent::Text { text: text.clone() },
        Sent::Media(MediaSpec { kind, caption }) => match kind {
            MediaSpecKind::Image => media(MediaKind::Image, "image/jpeg", caption.clone()),
            MediaSpecKind::Sticker => media(MediaKind::Sticker, "image/webp", None),
            MediaSpecKind::Voice => media(MediaKind::Voice, "audio/ogg; codecs=opus", None),
            MediaSpecKind::Location => MessageContent::Location {
                latitude: -23.5614,
                longitude: -46.6559,
                name: caption.clone(),
                address: None,
            },
            MediaSpecKind::Contact => MessageContent::Contacts {
                contacts: vec![SharedContact {
                    name: caption.clone().unwrap_or_else(|| "Ana Souza".to_owned()),
                    phones: vec!["+55 11 91234-5678".to_owned()],
                }],
            },
        },
    }
}

/// A brand's products and variants with their prices and stock, from the
/// catalog's database.
async fn catalog_rows(shop: &Shop, brand: &str) -> anyhow::Result<Vec<CatalogRow>> {
    sqlx::query_as(
        "select p.id::text as product_id, coalesce(v.id::text, '') as variant_id, \
         coalesce(v.is_default, true) as is_default, p.name, \
         p.translations, p.price_minor as product_price_minor, \
         coalesce(v.price_minor, p.price_minor) as price_minor, p.currency, \
         coalesce(v.stock, 0)::bigint as stock \
         from product p left join variant v on v.product_id = p.id \
         where p.tenant_id = $1 and p.brand_id = $2",
    )
    .bind(TENANT)
    .bind(brand)
    .fetch_all(&shop.catalog_pool)
    .await
    .context("Failed to read the catalog")
}

/// The brand's persona's facts (returns, delivery…), as the seller quotes
/// them.
fn shop_texts(shop: &Shop, brand: &str) -> anyhow::Result<Vec<String>> {
    let persona = seller_agent::domain::persona::load(&shop.tenants_file(), TENANT, brand)?;
    Ok(persona
        .fact_texts()
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// The catalog as the checks need it, from its rows at a run's start and
/// end: names, prices, and each variant's and product's stock range.
fn catalog_view(before: &[CatalogRow], after: &[CatalogRow]) -> CatalogView {
    let mut view = CatalogView::default();
    // (price, currency, levels seen) per variant and per product.
    let mut levels: BTreeMap<String, (i64, String, Vec<u64>)> = BTreeMap::new();
    for snapshot in [before, after] {
        let mut products: BTreeMap<&str, (i64, &str, u64)> = BTreeMap::new();
        for row in snapshot {
            let stock = u64::try_from(row.stock).unwrap_or(0);
            levels
                .entry(format!("{}/{}", row.product_id, row.variant_id))
                .or_insert_with(|| (row.price_minor, row.currency.clone(), Vec::new()))
                .2
                .push(stock);
            products
                .entry(&row.product_id)
                .or_insert((row.product_price_minor, &row.currency, 0))
                .2 += stock;
        }
        for (id, (price, currency, stock)) in products {
            levels
                .entry(id.to_owned())
                .or_insert_with(|| (price, currency.to_owned(), Vec::new()))
                .2
                .push(stock);
        }
    }
    for row in before {
        view.names.push(row.name.to_lowercase());
        if let Some(map) = row.translations.as_object() {
            for t in map.values() {
                if let Some(n) = t["name"].as_str() {
                    view.names.push(n.to_lowercase());
                }
            }
        }
        view.prices.push((row.price_minor, row.currency.clone()));
        view.prices
            .push((row.product_price_minor, row.currency.clone()));
    }
    for (price_minor, currency, seen) in levels.into_values() {
        view.stock.push(StockLevel {
            price_minor,
            currency,
            low: seen.iter().copied().min().unwrap_or(0),
            high: seen.iter().copied().max().unwrap_or(0),
        });
    }
    view.names.sort();
    view.names.dedup();
    view.prices.sort();
    view.prices.dedup();
    view
}

/// Orders the order processor holds for `conversation`.
async fn orders_of(shop: &Shop, conversation: &str) -> anyhow::Result<Vec<OrderSeen>> {
    let orders: Vec<(uuid::Uuid, i64, String)> = sqlx::query_as(
        "select id, total_minor, currency from customer_order where conversation = $1",
    )
    .bind(conversation)
    .fetch_all(&shop.orders_pool)
    .await
    .context("Failed to read orders")?;
    let mut out = Vec::new();
    for (id, total_minor, currency) in orders {
        let lines: Vec<(String, i32, i64)> = sqlx::query_as(
            "select name, quantity, unit_price_minor from order_line where order_id = $1 order by line",
        )
        .bind(id)
        .fetch_all(&shop.orders_pool)
        .await
        .context("Failed to read order lines")?;
        out.push(OrderSeen {
            lines: lines
                .into_iter()
                .map(|(name, quantity, unit_price_minor)| OrderLineSeen {
                    name,
                    quantity: i64::from(quantity),
                    unit_price_minor,
                })
                .collect(),
            total_minor,
            currency,
        });
    }
    Ok(out)
}

/// The text of a response: its texts and captions (what the content
/// checks read).
fn text_of(response: &ChatResponse) -> String {
    store_events::data::parts_text(&response.parts)
}

/// Everything a response shows the shopper: every string of its parts but
/// ids, URLs and kinds (texts, button titles, list rows, captions, and what
/// part kinds added later hold), one per line — what the figure check reads.
fn shown_of(response: &ChatResponse) -> String {
    fn walk(value: &serde_json::Value, key: &str, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => {
                let hidden = key == "kind"
                    || key == "id"
                    || key.ends_with("_id")
                    || key.ends_with("_ids")
                    || key.contains("url");
                if !hidden && !s.is_empty() {
                    out.push(s.clone());
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, key, out)),
            serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, k, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let parts = serde_json::to_value(&response.parts).unwrap_or_default();
    walk(&parts, "", &mut out);
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use store_events::data::{Button, Channel, ListRow, ListSection, ResponsePart};

    use super::*;

    fn row(product: &str, variant: &str, price: i64, stock: i64) -> CatalogRow {
        CatalogRow {
            product_id: product.into(),
            variant_id: variant.into(),
            is_default: false,
            name: "Classic Sneakers".into(),
            translations: serde_json::json!({"pt": {"name": "Tênis Clássico"}}),
            product_price_minor: 29990,
            price_minor: price,
            currency: "BRL".into(),
            stock,
        }
    }

    #[test]
    fn stock_ranges_span_both_snapshots_per_variant_and_product() {
        let before = [row("p1", "v1", 29990, 7), row("p1", "v2", 31990, 2)];
        let after = [row("p1", "v1", 29990, 5), row("p1", "v2", 31990, 2)];

        let view = catalog_view(&before, &after);

        let ranges: Vec<(i64, u64, u64)> = view
            .stock
            .iter()
            .map(|s| (s.price_minor, s.low, s.high))
            .collect();
        // The product (7+2 → 5+2), then its variants.
        assert_eq!(ranges, vec![(29990, 7, 9), (29990, 5, 7), (31990, 2, 2)]);
        assert_eq!(view.names, vec!["classic sneakers", "tênis clássico"]);
        assert_eq!(
            view.prices,
            vec![(29990, "BRL".to_owned()), (31990, "BRL".to_owned())]
        );
    }

    #[test]
    fn the_figure_check_reads_list_rows_and_buttons_but_not_ids() {
        let response = ChatResponse {
            channel: Channel::Whatsapp,
            recipient: "cust".into(),
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: vec![
                ResponsePart::List {
                    text: "Found:".into(),
                    button_label: "See".into(),
                    sections: vec![ListSection {
                        title: "Products".into(),
                        rows: vec![ListRow {
                            id: "pick:1".into(),
                            title: "Runner".into(),
                            description: Some("R$ 99,00".into()),
                        }],
                    }],
                },
                ResponsePart::Buttons {
                    text: "Order?".into(),
                    buttons: vec![Button {
                        id: "yes".into(),
                        title: "Yes".into(),
                    }],
                },
            ],
        };

        let shown = shown_of(&response);

        assert!(
            shown.contains("R$ 99,00") && shown.contains("Yes"),
            "{shown}"
        );
        assert!(
            !shown.contains("pick:1") && !shown.contains("list"),
            "{shown}"
        );
        assert_eq!(text_of(&response), "Found:\nOrder?");
    }

    #[test]
    fn media_turns_become_the_gateways_message_kinds() {
        let voice = content(&Sent::Media(MediaSpec {
            kind: MediaSpecKind::Voice,
            caption: None,
        }));
        assert!(
            matches!(
                voice,
                MessageContent::Media {
                    media_kind: MediaKind::Voice,
                    media_id: Some(_),
                    ..
                }
            ),
            "{voice:?}"
        );
        let contact = content(&Sent::Media(MediaSpec {
            kind: MediaSpecKind::Contact,
            caption: Some("Bea".into()),
        }));
        assert!(
            matches!(&contact, MessageContent::Contacts { contacts } if contacts[0].name == "Bea"),
            "{contact:?}"
        );
    }
}
