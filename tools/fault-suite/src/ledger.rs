//! The ledger of a row, counted from outside the services: what the suite
//! sent and the gateway accepted, what the tap saw published, what the fake
//! Graph API was sent, and what the databases hold.
//!
//! - lost: an accepted message with no `store.chat.message.new`, or never
//!   answered; a confirmed order ("yes" accepted) with no order.
//! - doubled: a second `store.chat.message.new` or AI answer (by event id)
//!   for one shopper message, a message the shopper was sent twice (the
//!   same body to the same number), a second order from one confirmation.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use sqlx::PgPool;

use crate::{bus_tap::Tap, graph, stream::Message};

/// One row of the table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The fault.
    pub fault: String,
    /// Shopper messages sent.
    pub sent: usize,
    /// Accepted by the gateway (200).
    pub accepted: usize,
    /// Accepted and answered.
    pub answered: usize,
    /// Accepted and lost (see the module's doc).
    pub lost: usize,
    /// Doubled (see the module's doc).
    pub doubled: usize,
    /// Orders placed by the row's shoppers.
    pub orders: usize,
    /// From the fault's end until a message accepted after it was answered.
    pub recovery: Option<Duration>,
    /// Whether stock adds up after the row.
    pub stock: String,
    /// What else was seen.
    pub notes: Vec<String>,
}

/// What a row expects of orders: one per shopper whose "yes" was
/// accepted, except for the shoppers racing for the last unit, who place
/// exactly `total` between them.
#[derive(Debug, Clone, Default)]
pub struct OrdersExpected {
    /// The racing shoppers and the orders they place in all.
    pub race: Option<(HashSet<String>, usize)>,
}

/// Counts a row from its messages and what the store did with them.
pub async fn count(
    fault: &str,
    messages: &[Message],
    tap: &Tap,
    sends: &[graph::Sent],
    orders_db: &PgPool,
    expected: &OrdersExpected,
    fault_end: Option<Instant>,
) -> anyhow::Result<Row> {
    let mut row = Row {
        fault: fault.to_owned(),
        sent: messages.len(),
        ..Row::default()
    };
    let mut quoted: HashMap<&str, Instant> = HashMap::new();
    for send in sends {
        if let Some(q) = &send.quotes {
            quoted.entry(q.as_str()).or_insert(send.at);
        }
    }
    let (mut unpublished, mut unanswered) = (0, 0);
    let (mut messages_doubled, mut answers_doubled) = (0, 0);
    for message in messages.iter().filter(|m| m.accepted_at.is_some()) {
        row.accepted += 1;
        let published = tap.messages.get(&message.wamid).map_or(0, HashSet::len);
        let answers = tap.answers.get(&message.wamid).map_or(0, HashSet::len);
        let answered = quoted.contains_key(message.wamid.as_str());
        if answered {
            row.answered += 1;
        }
        if published == 0 {
            unpublished += 1;
        }
        if !answered {
            unanswered += 1;
        }
        if published == 0 || !answered {
            row.lost += 1;
        }
        messages_doubled += published.saturating_sub(1);
        answers_doubled += answers.saturating_sub(1);
        if answers > 1 {
            eprintln!(
                "  doubled: {} answers to {} from {}",
                answers, message.wamid, message.wa_id
            );
        }
    }
    let events_doubled = messages_doubled + answers_doubled;
    if unpublished > 0 {
        row.notes
            .push(format!("{unpublished} accepted with no chat.message.new"));
    }
    if unanswered > 0 {
        row.notes.push(format!("{unanswered} never answered"));
    }
    if messages_doubled > 0 {
        row.notes.push(format!(
            "{messages_doubled} chat.message.new published twice"
        ));
    }
    if answers_doubled > 0 {
        row.notes.push(format!(
            "{answers_doubled} messages answered twice by the AI"
        ));
    }

    // The same message sent twice to the same shopper.
    let shoppers: HashSet<&str> = messages.iter().map(|m| m.wa_id.as_str()).collect();
    let mut bodies: HashMap<(&str, &str), usize> = HashMap::new();
    for send in sends.iter().filter(|s| shoppers.contains(s.to.as_str())) {
        *bodies.entry((&send.to, &send.body)).or_default() += 1;
    }
    let sends_doubled: usize = bodies.values().map(|n| n - 1).sum();
    for ((to, body), n) in bodies.iter().filter(|(_, n)| **n > 1) {
        let text: String = body.chars().take(160).collect();
        eprintln!("  doubled: sent {n} times to {to}: {text}");
    }
    if sends_doubled > 0 {
        row.notes
            .push(format!("{sends_doubled} WhatsApp messages sent twice"));
    }

    // Orders, by shopper.
    let customers: Vec<String> = shoppers.iter().map(|s| (*s).to_owned()).collect();
    let placed: Vec<(String, i64)> = sqlx::query_as(
        "select customer_id, count(*) from customer_order where customer_id = any($1) group by customer_id",
    )
    .bind(&customers)
    .fetch_all(orders_db)
    .await
    .context("Failed to count orders")?;
    let placed: HashMap<String, usize> = placed
        .into_iter()
        .map(|(c, n)| (c, usize::try_from(n).unwrap_or(0)))
        .collect();
    row.orders = placed.values().sum();
    let (mut orders_lost, mut orders_doubled) = (0, 0);
    let racing = |shopper: &str| {
        expected
            .race
            .as_ref()
            .is_some_and(|(shoppers, _)| shoppers.contains(shopper))
    };
    let confirmed: HashSet<&str> = messages
        .iter()
        .filter(|m| m.confirms && m.accepted_at.is_some() && !racing(&m.wa_id))
        .map(|m| m.wa_id.as_str())
        .collect();
    for shopper in &confirmed {
        match placed.get(*shopper).copied().unwrap_or(0) {
            0 => orders_lost += 1,
            n => orders_doubled += n - 1,
        }
    }
    if let Some((shoppers, total)) = &expected.race {
        let won: usize = shoppers.iter().filter_map(|s| placed.get(s)).sum();
        row.notes.push(format!(
            "{won} of {} racing shoppers got the last unit",
            shoppers.len()
        ));
        orders_lost += total.saturating_sub(won);
        orders_doubled += won.saturating_sub(*total);
    }
    if orders_lost > 0 {
        row.notes
            .push(format!("{orders_lost} confirmed orders not placed"));
    }
    if orders_doubled > 0 {
        row.notes.push(format!("{orders_doubled} orders doubled"));
    }
    row.lost += orders_lost;
    row.doubled = events_doubled + sends_doubled + orders_doubled;

    row.recovery = fault_end.and_then(|end| {
        messages
            .iter()
            .filter(|m| m.accepted_at.is_some_and(|at| at >= end))
            .filter_map(|m| quoted.get(m.wamid.as_str()))
            .map(|answered| answered.saturating_duration_since(end))
            .min()
    });
    Ok(row)
}

/// The stock ledger: for every variant, the units on hand plus the units
/// held by live reservations stay what they were set to, and the units
/// reserved are the units in live orders.
#[derive(Debug, Default)]
pub struct StockBook {
    baseline: HashMap<String, i64>,
}

impl StockBook {
    /// Takes the current books as the baseline (after the catalog was
    /// restocked or a unit count set by hand).
    pub async fn take_baseline(&mut self, catalog: &PgPool) -> anyhow::Result<()> {
        self.baseline = held(catalog).await?.into_iter().collect();
        Ok(())
    }

    /// How far the books are off: units gone from stock without a live
    /// reservation (or the reverse), and units reserved without a live
    /// order (or the reverse), matched by tenant and SKU (an order line of
    /// a product's default variant names no variant). `ok` when both are
    /// zero.
    pub async fn check(&self, catalog: &PgPool, orders: &PgPool) -> anyhow::Result<String> {
        let now: HashMap<String, i64> = held(catalog).await?.into_iter().collect();
        let stock_off: i64 = self
            .baseline
            .iter()
            .map(|(variant, before)| (now.get(variant).copied().unwrap_or(0) - before).abs())
            .sum();
        let reserved: Vec<(String, i64)> = sqlx::query_as(
            "select v.tenant_id || '/' || v.sku, sum(l.quantity)::bigint from reservation_line l
             join reservation r on r.tenant_id = l.tenant_id and r.id = l.reservation_id
             join variant v on v.id = l.variant_id
             where r.status = 'reserved' group by 1",
        )
        .fetch_all(catalog)
        .await
        .context("Failed to read reservations")?;
        let ordered: Vec<(String, i64)> = sqlx::query_as(
            "select o.tenant_id || '/' || l.sku, sum(l.quantity)::bigint from order_line l
             join customer_order o on o.id = l.order_id
             where o.status not in ('cancelled', 'expired')
             group by 1",
        )
        .fetch_all(orders)
        .await
        .context("Failed to read order lines")?;
        let ordered: HashMap<String, i64> = ordered.into_iter().collect();
        let mut orders_off = 0;
        let mut seen = HashSet::new();
        let mut which = Vec::new();
        for (variant, units) in &reserved {
            let in_orders = ordered.get(variant).copied().unwrap_or(0);
            if *units != in_orders {
                which.push(format!("{variant}: {units} reserved, {in_orders} ordered"));
            }
            orders_off += (units - in_orders).abs();
            seen.insert(variant.clone());
        }
        for (variant, units) in ordered.iter().filter(|(v, _)| !seen.contains(*v)) {
            which.push(format!("{variant}: 0 reserved, {units} ordered"));
            orders_off += units.abs();
        }
        if !which.is_empty() {
            eprintln!("  stock: {}", which.join("; "));
        }
        Ok(match (stock_off, orders_off) {
            (0, 0) => "ok".to_owned(),
            (s, 0) => format!("{s} units off"),
            (0, o) => format!("{o} units reserved ≠ ordered"),
            (s, o) => format!("{s} units off, {o} reserved ≠ ordered"),
        })
    }
}

/// Units on hand plus units held by live reservations, per variant.
async fn held(catalog: &PgPool) -> anyhow::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "select v.id::text, v.stock::bigint + coalesce((
             select sum(l.quantity) from reservation_line l
             join reservation r on r.tenant_id = l.tenant_id and r.id = l.reservation_id
             where l.variant_id = v.id and r.status = 'reserved'), 0)::bigint
         from variant v",
    )
    .fetch_all(catalog)
    .await
    .context("Failed to read stock")
}
