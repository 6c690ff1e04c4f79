//! The owner's report: per brand and day, the figures of the inbox and the
//! shop (README "Reports" defines each), built from rows the database
//! counted or listed (`db::reports`); pure, so every figure is tested here.
//!
//! Days are calendar days of the report's time zone (`REPORT_TIME_ZONE`,
//! UTC by default); the database assigns each row its day. A hand-off's
//! figures (reason, time to first reply, resolution time) count on the day
//! it was opened, an order's on the day it was placed.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};

use super::order::{ClosedBy, Standing};

/// The longest report, in days.
pub const MAX_DAYS: i64 = 366;
/// The days a report covers when none are asked for, ending today.
pub const DEFAULT_DAYS: i64 = 14;

/// Why a range of days is refused; the message is the 422's detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRange(String);

/// The days of a report, `from` to `to` inclusive, at most [`MAX_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DayRange {
    /// The range asked for (`YYYY-MM-DD`, either may be absent or empty):
    /// by default the [`DEFAULT_DAYS`] days ending `today`, or ending `to`,
    /// or starting `from` (never past today).
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Self, BadRange> {
        let day = |name: &str, value: Option<&str>| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                        BadRange(format!("{name} must be a date as YYYY-MM-DD, not {v:?}"))
                    })
                })
                .transpose()
        };
        let span = TimeDelta::days(DEFAULT_DAYS - 1);
        let (from, to) = match (day("from", from)?, day("to", to)?) {
            (Some(from), Some(to)) => (from, to),
            (Some(from), None) => (from, (from + span).min(today).max(from)),
            (None, Some(to)) => (to - span, to),
            (None, None) => (today - span, today),
        };
        if from > to {
            return Err(BadRange(format!("from ({from}) is after to ({to})")));
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_DAYS {
            return Err(BadRange(format!(
                "a report covers at most {MAX_DAYS} days, not {days}"
            )));
        }
        Ok(Self { from, to })
    }

    /// The first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Every day, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to)
    }
}

/// Conversations of a brand on a day, as the database counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationDay {
    /// Brand.
    pub brand: String,
    /// Day.
    pub day: NaiveDate,
    /// Conversations with a shopper message that day.
    pub conversations: i64,
    /// Of those, the ones with an order placed that day.
    pub converted: i64,
}

/// A hand-off opened in the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffRow {
    /// Brand.
    pub brand: String,
    /// The day it was opened.
    pub day: NaiveDate,
    /// Why the AI seller escalated (its latest escalation's reason).
    pub reason: String,
    /// A human took it from the AI before any escalation.
    pub taken_over: bool,
    /// Opened → first human reply, when a human replied.
    pub to_first_reply: Option<TimeDelta>,
    /// Opened → resolved, when resolved.
    pub to_resolution: Option<TimeDelta>,
}

/// Orders of a brand placed on a day with the same closer, status and
/// currency, as the database sums them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderGroup {
    /// Brand.
    pub brand: String,
    /// The day they were placed.
    pub day: NaiveDate,
    /// Who closed them.
    pub closed_by: ClosedBy,
    /// Their status now (`shop_order.status`).
    pub status: String,
    /// Their currency.
    pub currency: String,
    /// How many.
    pub orders: i64,
    /// Sum of their totals, in minor units.
    pub total_minor: i64,
}

/// Median and 90th percentile of some durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spread {
    /// How many durations.
    pub count: u64,
    /// The median (nearest rank: the ⌈n/2⌉-th smallest).
    pub median: Option<TimeDelta>,
    /// The 90th percentile (nearest rank: the ⌈0.9·n⌉-th smallest).
    pub p90: Option<TimeDelta>,
}

impl Spread {
    /// The spread of `durations` (any order; a negative one, from clocks
    /// that disagree, counts as zero).
    pub fn of(durations: impl IntoIterator<Item = TimeDelta>) -> Self {
        let mut sorted: Vec<TimeDelta> = durations
            .into_iter()
            .map(|d| d.max(TimeDelta::zero()))
            .collect();
        sorted.sort_unstable();
        Self {
            count: sorted.len() as u64,
            median: nearest_rank(&sorted, 50),
            p90: nearest_rank(&sorted, 90),
        }
    }
}

/// The `percent`-th percentile of `sorted` by the nearest-rank method: the
/// smallest value with at least `percent`% of the values at or below it.
fn nearest_rank(sorted: &[TimeDelta], percent: usize) -> Option<TimeDelta> {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Orders closed by one side (the AI alone, or a human).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sales {
    /// Paid or further along (`paid`, `fulfilled`, `shipped`, `delivered`).
    pub paid: u64,
    /// Waiting for payment.
    pub pending: u64,
    /// Cancelled or expired.
    pub lost: u64,
    /// Totals of the paid ones, in minor units, per currency.
    pub revenue: BTreeMap<String, i64>,
}

impl Sales {
    /// Orders placed, whatever became of them.
    pub fn placed(&self) -> u64 {
        self.paid + self.pending + self.lost
    }

    fn add(&mut self, group: &OrderGroup) {
        let orders = u64::try_from(group.orders).unwrap_or(0);
        match Standing::of(&group.status) {
            Standing::Paid => {
                self.paid += orders;
                *self.revenue.entry(group.currency.clone()).or_default() += group.total_minor;
            }
            Standing::Pending => self.pending += orders,
            Standing::Lost => self.lost += orders,
        }
    }

    fn merge(&mut self, other: &Self) {
        self.paid += other.paid;
        self.pending += other.pending;
        self.lost += other.lost;
        for (currency, minor) in &other.revenue {
            *self.revenue.entry(currency.clone()).or_default() += minor;
        }
    }
}

/// The figures of a brand for a day, or for the whole range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Conversations with a shopper message (for the range: the sum of the
    /// days, a conversation active on two days counting on each).
    pub conversations: u64,
    /// Of those, the ones with an order placed the same day.
    pub converted: u64,
    /// Hand-offs opened by an AI seller's escalation.
    pub escalations: u64,
    /// Hand-offs opened by a human taking a conversation from the AI.
    pub take_overs: u64,
    /// Escalations per reason.
    pub reasons: BTreeMap<String, u64>,
    /// Escalation → first human reply, over the escalations answered.
    pub first_reply: Spread,
    /// Escalation → resolution, over the escalations resolved.
    pub resolution: Spread,
    /// Orders the AI closed alone.
    pub ai: Sales,
    /// Orders closed by a human after a hand-off.
    pub human: Sales,
}

impl Figures {
    /// Converted conversations per conversation (0–1); none without
    /// conversations.
    pub fn conversion(&self) -> Option<f64> {
        (self.conversations > 0).then(|| self.converted as f64 / self.conversations as f64)
    }

    /// Every currency with revenue, in order.
    pub fn currencies(&self) -> impl Iterator<Item = &str> {
        let mut all: Vec<&str> = self
            .ai
            .revenue
            .keys()
            .chain(self.human.revenue.keys())
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all.dedup();
        all.into_iter()
    }

    /// Counts of the rows of one day, or of the range; the spreads are
    /// computed by the caller from the same rows.
    fn count(
        conversations: &[&ConversationDay],
        handoffs: &[&HandoffRow],
        orders: &[&OrderGroup],
    ) -> Self {
        let mut figures = Self::default();
        for day in conversations {
            figures.conversations += u64::try_from(day.conversations).unwrap_or(0);
            figures.converted += u64::try_from(day.converted).unwrap_or(0);
        }
        let escalations: Vec<&&HandoffRow> = handoffs.iter().filter(|h| !h.taken_over).collect();
        figures.take_overs = (handoffs.len() - escalations.len()) as u64;
        figures.escalations = escalations.len() as u64;
        for handoff in &escalations {
            *figures.reasons.entry(handoff.reason.clone()).or_default() += 1;
        }
        figures.first_reply = Spread::of(escalations.iter().filter_map(|h| h.to_first_reply));
        figures.resolution = Spread::of(escalations.iter().filter_map(|h| h.to_resolution));
        for group in orders {
            match group.closed_by {
                ClosedBy::Ai => figures.ai.add(group),
                ClosedBy::Human => figures.human.add(group),
            }
        }
        figures
    }

    /// The orders of both sides together.
    pub fn all_sales(&self) -> Sales {
        let mut all = self.ai.clone();
        all.merge(&self.human);
        all
    }
}

/// One day of a brand.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// The day.
    pub day: NaiveDate,
    /// Its figures.
    pub figures: Figures,
}

/// A brand's days and totals.
#[derive(Debug, Clone, PartialEq)]
pub struct BrandReport {
    /// The brand.
    pub brand: String,
    /// Every day of the range, in order (days without activity are zeros).
    pub days: Vec<Day>,
    /// The whole range (spreads over all its escalations).
    pub total: Figures,
}

/// The report: each brand asked for, or each with activity in the range.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Its days.
    pub range: DayRange,
    /// Its brands, by name.
    pub brands: Vec<BrandReport>,
}

/// The rows a report is built from.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// Conversations per brand and day.
    pub conversations: Vec<ConversationDay>,
    /// Hand-offs opened in the range.
    pub handoffs: Vec<HandoffRow>,
    /// Orders placed in the range, grouped.
    pub orders: Vec<OrderGroup>,
}

impl Report {
    /// Builds the report of `range` from `rows`: for `brand` when one was
    /// asked for, else for every brand with a row.
    pub fn build(range: DayRange, brand: Option<&str>, rows: &Rows) -> Self {
        let in_range = |day: NaiveDate| range.from <= day && day <= range.to;
        let brands: Vec<String> = match brand {
            Some(brand) => vec![brand.to_owned()],
            None => {
                let mut all: Vec<String> = rows
                    .conversations
                    .iter()
                    .map(|r| (&r.brand, r.day))
                    .chain(rows.handoffs.iter().map(|r| (&r.brand, r.day)))
                    .chain(rows.orders.iter().map(|r| (&r.brand, r.day)))
                    .filter(|(_, day)| in_range(*day))
                    .map(|(brand, _)| brand.clone())
                    .collect();
                all.sort_unstable();
                all.dedup();
                all
            }
        };
        let brands = brands
            .into_iter()
            .map(|brand| {
                let conversations: Vec<&ConversationDay> = rows
                    .conversations
                    .iter()
                    .filter(|r| r.brand == brand && in_range(r.day))
                    .collect();
                let handoffs: Vec<&HandoffRow> = rows
                    .handoffs
                    .iter()
                    .filter(|r| r.brand == brand && in_range(r.day))
                    .collect();
                let orders: Vec<&OrderGroup> = rows
                    .orders
                    .iter()
                    .filter(|r| r.brand == brand && in_range(r.day))
                    .collect();
                let days = range
                    .days()
                    .map(|day| Day {
                        day,
                        figures: Figures::count(
                            &of_day(&conversations, day, |r| r.day),
                            &of_day(&handoffs, day, |r| r.day),
                            &of_day(&orders, day, |r| r.day),
                        ),
                    })
                    .collect();
                let total = Figures::count(&conversations, &handoffs, &orders);
                BrandReport { brand, days, total }
            })
            .collect();
        Self { range, brands }
    }
}

fn of_day<'a, T>(rows: &[&'a T], day: NaiveDate, day_of: impl Fn(&T) -> NaiveDate) -> Vec<&'a T> {
    rows.iter().copied().filter(|r| day_of(r) == day).collect()
}

/// Decimal places of a currency's minor unit (ISO 4217).
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `minor` units of `currency` as a decimal number: 123450 BRL → `1234.50`,
/// 1500 JPY → `1500`.
pub fn decimal(minor: i64, currency: &str) -> String {
    let exp = exponent(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    let unit = 10u64.pow(exp);
    format!(
        "{sign}{}.{:0width$}",
        abs / unit,
        abs % unit,
        width = exp as usize
    )
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
