//! The report as the page shows it: per brand, its charts, a table row per
//! day and the totals (every figure written out), and the reasons with
//! their shares.

use chrono::{NaiveDate, TimeDelta};

use super::chart::{BarChart, Series};
use crate::domain::report::{BrandReport, Figures, Sales, Spread, decimal};

/// One line of the table.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The day (`2026-12-01`) or `Total`.
    pub label: String,
    pub conversations: String,
    pub escalations: String,
    pub take_overs: String,
    /// `median / p90 (n)`, or `–`.
    pub first_reply: String,
    pub resolution: String,
    /// `paid / pending / lost`.
    pub ai_orders: String,
    pub human_orders: String,
    /// `194.90 BRL` (one per currency), or `–`.
    pub ai_revenue: String,
    pub human_revenue: String,
    /// `85.7% (6/7)`, or `–`.
    pub conversion: String,
}

/// A reason with its count and share of the escalations.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonLine {
    /// The reason in words (`customer request`).
    pub reason: String,
    pub count: u64,
    /// `50%`.
    pub share: String,
}

/// A brand's part of the page.
#[allow(missing_docs)]
#[derive(Debug, Clone)]
pub struct BrandView {
    pub brand: String,
    /// Rendered SVG charts (escaped by their template; put in as they are).
    pub charts: Vec<String>,
    pub days: Vec<Line>,
    pub total: Line,
    pub reasons: Vec<ReasonLine>,
}

impl BrandView {
    /// The view of `report`.
    pub fn of(report: &BrandReport) -> Result<Self, askama::Error> {
        use askama::Template as _;

        let days: Vec<NaiveDate> = report.days.iter().map(|d| d.day).collect();
        let per_day = |f: &dyn Fn(&Figures) -> u64| {
            report
                .days
                .iter()
                .map(|d| i64::try_from(f(&d.figures)).unwrap_or(i64::MAX))
                .collect::<Vec<_>>()
        };
        let mut charts = vec![
            BarChart::grouped(
                &format!("{}: conversations and escalations per day", report.brand),
                &days,
                &[
                    Series {
                        name: "conversations".to_owned(),
                        class: "bar-conversations",
                        fill: "#3b6fb6",
                        values: per_day(&|f| f.conversations),
                    },
                    Series {
                        name: "escalations".to_owned(),
                        class: "bar-escalations",
                        fill: "#e08a1e",
                        values: per_day(&|f| f.escalations),
                    },
                ],
                |v| v.to_string(),
            )
            .render()?,
        ];
        for currency in report.total.currencies() {
            let revenue = |sales: fn(&Figures) -> &Sales| {
                report
                    .days
                    .iter()
                    .map(|d| {
                        sales(&d.figures)
                            .revenue
                            .get(currency)
                            .copied()
                            .unwrap_or(0)
                    })
                    .collect::<Vec<_>>()
            };
            charts.push(
                BarChart::stacked(
                    &format!(
                        "{}: revenue per day ({currency}), AI alone and human",
                        report.brand
                    ),
                    &days,
                    &[
                        Series {
                            name: "AI alone".to_owned(),
                            class: "bar-ai",
                            fill: "#4f9a62",
                            values: revenue(|f| &f.ai),
                        },
                        Series {
                            name: "human after hand-off".to_owned(),
                            class: "bar-human",
                            fill: "#8a5cc2",
                            values: revenue(|f| &f.human),
                        },
                    ],
                    |v| decimal(v, currency),
                )
                .render()?,
            );
        }
        let escalations = report.total.escalations;
        let reasons = report
            .total
            .reasons
            .iter()
            .map(|(reason, count)| ReasonLine {
                reason: reason.replace('_', " "),
                count: *count,
                share: percent(*count, escalations),
            })
            .collect();
        Ok(Self {
            brand: report.brand.clone(),
            charts,
            days: report
                .days
                .iter()
                .map(|d| line(d.day.to_string(), &d.figures))
                .collect(),
            total: line("Total".to_owned(), &report.total),
            reasons,
        })
    }
}

/// A table line of `figures`.
pub fn line(label: String, figures: &Figures) -> Line {
    Line {
        label,
        conversations: figures.conversations.to_string(),
        escalations: figures.escalations.to_string(),
        take_overs: figures.take_overs.to_string(),
        first_reply: spread(&figures.first_reply),
        resolution: spread(&figures.resolution),
        ai_orders: orders(&figures.ai),
        human_orders: orders(&figures.human),
        ai_revenue: revenue(&figures.ai),
        human_revenue: revenue(&figures.human),
        conversion: match figures.conversion() {
            Some(rate) => format!(
                "{:.1}% ({}/{})",
                rate * 100.0,
                figures.converted,
                figures.conversations
            ),
            None => "–".to_owned(),
        },
    }
}

fn spread(spread: &Spread) -> String {
    match (spread.median, spread.p90) {
        (Some(median), Some(p90)) => {
            format!(
                "{} / {} ({})",
                duration(median),
                duration(p90),
                spread.count
            )
        }
        _ => "–".to_owned(),
    }
}

fn orders(sales: &Sales) -> String {
    format!("{} / {} / {}", sales.paid, sales.pending, sales.lost)
}

fn revenue(sales: &Sales) -> String {
    if sales.revenue.is_empty() {
        return "–".to_owned();
    }
    sales
        .revenue
        .iter()
        .map(|(currency, minor)| format!("{} {currency}", decimal(*minor, currency)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    format!("{:.0}%", part as f64 * 100.0 / whole as f64)
}

/// A duration as people read it: `45s`, `3m 20s`, `1h 05m`, `2d 3h`.
pub fn duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn durations_read_in_their_largest_units() {
        let written: Vec<String> = [45, 200, 3_900, 183_600]
            .into_iter()
            .map(|s| duration(TimeDelta::seconds(s)))
            .collect();

        assert_eq!(written, ["45s", "3m 20s", "1h 05m", "2d 3h"]);
    }

    #[test]
    fn a_line_writes_every_figure() {
        let figures = Figures {
            conversations: 7,
            converted: 6,
            escalations: 4,
            first_reply: Spread {
                count: 3,
                median: Some(TimeDelta::seconds(600)),
                p90: Some(TimeDelta::seconds(1_200)),
            },
            ai: Sales {
                paid: 4,
                pending: 1,
                lost: 1,
                revenue: BTreeMap::from([("BRL".into(), 19_490), ("USD".into(), 1_999)]),
            },
            ..Figures::default()
        };

        let line = line("2026-11-17".into(), &figures);

        assert_eq!(line.first_reply, "10m 00s / 20m 00s (3)");
        assert_eq!(line.resolution, "–");
        assert_eq!(line.ai_orders, "4 / 1 / 1");
        assert_eq!(line.ai_revenue, "194.90 BRL, 19.99 USD");
        assert_eq!(line.human_revenue, "–");
        assert_eq!(line.conversion, "85.7% (6/7)");
    }
}
