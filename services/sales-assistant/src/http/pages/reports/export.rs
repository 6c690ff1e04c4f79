//! The report as CSV (RFC 4180, by the `csv` crate): one row per brand and
//! day, then the brand's `total` row; the same figures as the page.
//!
//! Columns: `day` (YYYY-MM-DD, or `total`), `brand`, `conversations`,
//! `converted`, `conversion` (0–1, four decimals; empty without
//! conversations), `escalations`, `take_overs`, `first_replies`,
//! `first_reply_median_s`, `first_reply_p90_s`, `resolutions`,
//! `resolution_median_s`, `resolution_p90_s` (whole seconds; empty when
//! none), `ai_paid`, `ai_pending`, `ai_lost`, `human_paid`,
//! `human_pending`, `human_lost` (orders), then `reason_<reason>` for each
//! reason of the report and `revenue_ai_<CUR>`, `revenue_human_<CUR>` for
//! each currency of the report (decimal amounts in that currency).

use std::collections::BTreeSet;

use crate::domain::report::{Figures, Report, Spread, decimal};

/// The fixed columns, before the reasons and currencies.
const COLUMNS: [&str; 19] = [
    "day",
    "brand",
    "conversations",
    "converted",
    "conversion",
    "escalations",
    "take_overs",
    "first_replies",
    "first_reply_median_s",
    "first_reply_p90_s",
    "resolutions",
    "resolution_median_s",
    "resolution_p90_s",
    "ai_paid",
    "ai_pending",
    "ai_lost",
    "human_paid",
    "human_pending",
    "human_lost",
];

/// `report` as CSV text.
pub fn write(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let totals = report.brands.iter().map(|b| &b.total);
    let reasons: BTreeSet<&str> = totals
        .clone()
        .flat_map(|t| t.reasons.keys().map(String::as_str))
        .collect();
    let currencies: BTreeSet<&str> = totals.flat_map(Figures::currencies).collect();

    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    header.extend(reasons.iter().map(|r| format!("reason_{r}")));
    for currency in &currencies {
        header.push(format!("revenue_ai_{currency}"));
        header.push(format!("revenue_human_{currency}"));
    }
    out.write_record(&header)?;
    for brand in &report.brands {
        let days = brand.days.iter().map(|d| (d.day.to_string(), &d.figures));
        for (day, figures) in days.chain([("total".to_owned(), &brand.total)]) {
            out.write_record(row(&day, &brand.brand, figures, &reasons, &currencies))?;
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

fn row(
    day: &str,
    brand: &str,
    f: &Figures,
    reasons: &BTreeSet<&str>,
    currencies: &BTreeSet<&str>,
) -> Vec<String> {
    let seconds = |d: Option<chrono::TimeDelta>| d.map(|d| d.num_seconds().to_string());
    let spread = |s: &Spread| {
        [
            s.count.to_string(),
            seconds(s.median).unwrap_or_default(),
            seconds(s.p90).unwrap_or_default(),
        ]
    };
    let mut row = vec![
        day.to_owned(),
        brand.to_owned(),
        f.conversations.to_string(),
        f.converted.to_string(),
        f.conversion()
            .map(|c| format!("{c:.4}"))
            .unwrap_or_default(),
        f.escalations.to_string(),
        f.take_overs.to_string(),
    ];
    row.extend(spread(&f.first_reply));
    row.extend(spread(&f.resolution));
    for sales in [&f.ai, &f.human] {
        row.extend([sales.paid, sales.pending, sales.lost].map(|n| n.to_string()));
    }
    row.extend(
        reasons
            .iter()
            .map(|r| f.reasons.get(*r).copied().unwrap_or(0).to_string()),
    );
    for currency in currencies {
        for sales in [&f.ai, &f.human] {
            let minor = sales.revenue.get(*currency).copied().unwrap_or(0);
            row.push(decimal(minor, currency));
        }
    }
    row
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{NaiveDate, TimeDelta};

    use super::*;
    use crate::domain::{
        order::ClosedBy,
        report::{ConversationDay, DayRange, HandoffRow, OrderGroup, Rows},
    };

    #[test]
    fn a_row_per_brand_and_day_then_its_total_with_reason_and_currency_columns() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let rows = Rows {
            conversations: vec![ConversationDay {
                brand: "shoes".into(),
                day,
                conversations: 3,
                converted: 1,
            }],
            handoffs: vec![HandoffRow {
                brand: "shoes".into(),
                day,
                reason: "policy".into(),
                taken_over: false,
                to_first_reply: Some(TimeDelta::seconds(90)),
                to_resolution: None,
            }],
            orders: vec![OrderGroup {
                brand: "shoes".into(),
                day,
                closed_by: ClosedBy::Human,
                status: "paid".into(),
                currency: "BRL".into(),
                orders: 1,
                total_minor: 12_990,
            }],
        };
        let range = DayRange::parse(Some("2026-12-01"), Some("2026-12-02"), day).unwrap();

        let text = String::from_utf8(write(&Report::build(range, None, &rows)).unwrap()).unwrap();

        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "day,brand,conversations,converted,conversion,escalations,take_overs,\
                 first_replies,first_reply_median_s,first_reply_p90_s,resolutions,\
                 resolution_median_s,resolution_p90_s,ai_paid,ai_pending,ai_lost,human_paid,\
                 human_pending,human_lost,reason_policy,revenue_ai_BRL,revenue_human_BRL",
                "2026-12-01,shoes,3,1,0.3333,1,0,1,90,90,0,,,0,0,0,1,0,0,1,0.00,129.90",
                "2026-12-02,shoes,0,0,,0,0,0,,,0,,,0,0,0,0,0,0,0,0.00,0.00",
                "total,shoes,3,1,0.3333,1,0,1,90,90,0,,,0,0,0,1,0,0,1,0.00,129.90",
            ]
        );
    }
}
