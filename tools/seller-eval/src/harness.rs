//! Plays the scenarios in the real shop ([`crate::shop::Shop`]): one seller
//! per brand the scenarios use, each scenario a new shopper in a new
//! conversation, and what the seller said and the shop holds afterwards
//! judged by the scenario's checks.

use std::{collections::BTreeSet, path::PathBuf, time::Duration};

use anyhow::Context as _;
use cloudevents::AttributesReader;
use store_events::{
    data::{ChatResponse, Customer, MessageContent, ResponsePart, Sender},
    decode,
    envelope::string_extension,
    ext,
};

use seller_agent::llm::LlmConfig;

use crate::{
    report::{Outcome, Report},
    scenario::{self, CatalogView, Observed, OrderLineSeen, OrderSeen, Scenario},
    shop::{Seller, Shop, TENANT},
};

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
}

impl Options {
    /// The repository's scenarios with `llm` (or the offline brain).
    pub fn new(llm: Option<LlmConfig>) -> Self {
        Self {
            scenarios_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")),
            reply_timeout: if llm.is_some() {
                Duration::from_secs(120)
            } else {
                Duration::from_secs(20)
            },
            llm,
            only: None,
        }
    }
}

/// Plays every scenario of `options` and reports their outcomes.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    let mut scenarios = scenario::load_dir(&options.scenarios_dir)?;
    if let Some(only) = &options.only {
        scenarios.retain(|s| s.name.contains(only.as_str()));
    }
    let brands: BTreeSet<String> = scenarios.iter().map(|s| s.brand.clone()).collect();
    let mut shop = Shop::start().await?;
    for brand in &brands {
        shop.start_seller(Seller {
            brand: brand.clone(),
            llm: options.llm.clone(),
        })
        .await?;
    }
    let offline = options.llm.is_none();
    let mut outcomes = Vec::new();
    for scenario in &scenarios {
        let catalog = catalog_view(&shop, &scenario.brand).await?;
        let seen = play(&mut shop, scenario, options.reply_timeout).await?;
        tracing::info!(scenario = %scenario.name, replies = ?seen.replies, "played");
        outcomes.push(Outcome {
            name: scenario.name.clone(),
            language: scenario.language.clone(),
            turns: scenario.turns.len(),
            required: scenario.is_required(offline),
            failed: scenario::evaluate(scenario, &catalog, &seen),
        });
    }
    shop.stop().await;
    let brain = match &options.llm {
        None => "offline".to_owned(),
        Some(llm) => format!("{:?}:{}", llm.provider, llm.model).to_lowercase(),
    };
    Ok(Report { brain, outcomes })
}

/// Plays one scenario as a new shopper in a new conversation.
async fn play(shop: &mut Shop, scenario: &Scenario, timeout: Duration) -> anyhow::Result<Observed> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let conversation = format!("wa:eval{}", &id[..12]);
    let customer = Customer {
        id: format!("cust-{id}"),
        display_name: Some("Alex".into()),
        phone: None,
        language: None,
    };
    let mut seen = Observed::default();
    for turn in &scenario.turns {
        shop.send(
            &scenario.brand,
            &conversation,
            customer.clone(),
            MessageContent::Text {
                text: turn.say.clone(),
            },
        )
        .await?;
        let reply = receive(shop, &conversation, timeout, &mut seen).await;
        seen.replies.push(reply);
    }
    // An escalation may follow the last reply.
    receive(shop, &conversation, Duration::from_millis(300), &mut seen).await;
    seen.orders = orders_of(shop, &conversation).await?;
    Ok(seen)
}

/// The seller's next reply in `conversation`, noting escalations on the way
/// (the order processor's own notices to the shopper are not the seller's).
async fn receive(
    shop: &mut Shop,
    conversation: &str,
    timeout: Duration,
    seen: &mut Observed,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = shop.next_event(left).await?;
        if string_extension(&event, ext::CONVERSATION).as_deref() != Some(conversation) {
            continue;
        }
        if event.ty().starts_with("store.sales.escalate") {
            seen.escalated = true;
            continue;
        }
        if let Ok(response) = decode::<ChatResponse>(&event)
            && response.sender == Sender::Ai
        {
            return Some(text_of(&response));
        }
    }
}

/// Names and prices of a brand's products, from the catalog's database.
async fn catalog_view(shop: &Shop, brand: &str) -> anyhow::Result<CatalogView> {
    let rows: Vec<(String, serde_json::Value, i64, String)> = sqlx::query_as(
        "select p.name, p.translations, coalesce(v.price_minor, p.price_minor), p.currency \
         from product p left join variant v on v.product_id = p.id \
         where p.tenant_id = $1 and p.brand_id = $2",
    )
    .bind(TENANT)
    .bind(brand)
    .fetch_all(&shop.catalog_pool)
    .await
    .context("Failed to read the catalog")?;
    let mut view = CatalogView::default();
    for (name, translations, price, currency) in rows {
        view.names.push(name.to_lowercase());
        if let Some(map) = translations.as_object() {
            for t in map.values() {
                if let Some(n) = t["name"].as_str() {
                    view.names.push(n.to_lowercase());
                }
            }
        }
        view.prices.push((price, currency));
    }
    view.names.sort();
    view.names.dedup();
    view.prices.sort();
    view.prices.dedup();
    Ok(view)
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

/// All text of a response.
fn text_of(response: &ChatResponse) -> String {
    response
        .parts
        .iter()
        .filter_map(|p| match p {
            ResponsePart::Text { text }
            | ResponsePart::Buttons { text, .. }
            | ResponsePart::List { text, .. } => Some(text.clone()),
            ResponsePart::ProductCards { text, cards, .. } => Some(
                std::iter::once(text.clone())
                    .chain(cards.iter().map(|c| c.caption()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}
