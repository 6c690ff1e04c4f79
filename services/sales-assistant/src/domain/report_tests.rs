//! The report's figures, given rows, when built, then each figure.
#![allow(clippy::unwrap_used)]

use super::*;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn range(from: &str, to: &str) -> DayRange {
    DayRange::parse(Some(from), Some(to), date("2026-12-31")).unwrap()
}

fn handoff(
    brand: &str,
    day: &str,
    reason: &str,
    reply: Option<i64>,
    resolved: Option<i64>,
) -> HandoffRow {
    HandoffRow {
        brand: brand.to_owned(),
        day: date(day),
        reason: reason.to_owned(),
        taken_over: false,
        to_first_reply: reply.map(minutes),
        to_resolution: resolved.map(minutes),
    }
}

fn orders(
    brand: &str,
    day: &str,
    closed_by: ClosedBy,
    status: &str,
    currency: &str,
    n: i64,
    total: i64,
) -> OrderGroup {
    OrderGroup {
        brand: brand.to_owned(),
        day: date(day),
        closed_by,
        status: status.to_owned(),
        currency: currency.to_owned(),
        orders: n,
        total_minor: total,
    }
}

fn conversations(brand: &str, day: &str, conversations: i64, converted: i64) -> ConversationDay {
    ConversationDay {
        brand: brand.to_owned(),
        day: date(day),
        conversations,
        converted,
    }
}

#[test]
fn the_default_range_is_the_last_fourteen_days_and_a_range_is_bounded() {
    let today = date("2026-12-04");

    let default = DayRange::parse(None, Some(""), today).unwrap();
    let from_only = DayRange::parse(Some("2026-12-01"), None, today).unwrap();
    let to_only = DayRange::parse(None, Some("2026-06-30"), today).unwrap();
    let year = DayRange::parse(Some("2025-12-04"), Some("2026-12-04"), today).unwrap();

    assert_eq!((default.from(), default.to()), (date("2026-11-21"), today));
    assert_eq!(default.days().count(), 14);
    assert_eq!(
        (from_only.from(), from_only.to()),
        (date("2026-12-01"), today)
    );
    assert_eq!(to_only.from(), date("2026-06-17"));
    assert_eq!(year.days().count(), 366);
    for (from, to, why) in [
        ("2025-12-03", "2026-12-04", "at most 366 days, not 367"),
        ("2026-12-05", "2026-12-04", "is after"),
        ("04/12/2026", "2026-12-04", "YYYY-MM-DD"),
    ] {
        let refused = DayRange::parse(Some(from), Some(to), today).unwrap_err();
        assert!(refused.to_string().contains(why), "{refused}");
    }
}

#[test]
fn median_and_p90_are_nearest_ranks_and_negative_durations_count_as_zero() {
    let spread = |values: &[i64]| Spread::of(values.iter().copied().map(minutes));

    // 1..=10: median the 5th, p90 the 9th.
    let ten = spread(&[10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    // Four: median the 2nd (⌈2⌉), p90 the 4th (⌈3.6⌉).
    let four = spread(&[40, 10, 30, 20]);
    let one = spread(&[-3]);

    assert_eq!(
        (ten.count, ten.median, ten.p90),
        (10, Some(minutes(5)), Some(minutes(9)))
    );
    assert_eq!(
        (four.median, four.p90),
        (Some(minutes(20)), Some(minutes(40)))
    );
    assert_eq!(
        (one.median, one.p90),
        (Some(TimeDelta::zero()), Some(TimeDelta::zero()))
    );
    assert_eq!(spread(&[]), Spread::default());
}

#[test]
fn a_brands_days_count_escalations_reasons_and_times_of_the_day_they_opened() {
    let rows = Rows {
        conversations: vec![
            conversations("shoes", "2026-12-01", 10, 2),
            conversations("shoes", "2026-12-02", 4, 0),
        ],
        handoffs: vec![
            handoff("shoes", "2026-12-01", "customer_request", Some(4), Some(30)),
            handoff("shoes", "2026-12-01", "complaint", Some(2), None),
            handoff("shoes", "2026-12-01", "customer_request", None, None),
            HandoffRow {
                taken_over: true,
                ..handoff("shoes", "2026-12-01", "taken_over", Some(0), Some(5))
            },
            handoff("shoes", "2026-12-02", "complaint", Some(10), Some(60)),
        ],
        orders: vec![],
    };

    let report = Report::build(range("2026-12-01", "2026-12-03"), None, &rows);

    assert_eq!(report.brands.len(), 1);
    let shoes = &report.brands[0];
    assert_eq!(shoes.brand, "shoes");
    let days: Vec<NaiveDate> = shoes.days.iter().map(|d| d.day).collect();
    assert_eq!(
        days,
        [date("2026-12-01"), date("2026-12-02"), date("2026-12-03")]
    );
    let first = &shoes.days[0].figures;
    assert_eq!((first.conversations, first.converted), (10, 2));
    assert_eq!(first.conversion(), Some(0.2));
    assert_eq!((first.escalations, first.take_overs), (3, 1));
    assert_eq!(
        first.reasons,
        BTreeMap::from([
            ("complaint".to_owned(), 1),
            ("customer_request".to_owned(), 2)
        ])
    );
    // Answered: 2 and 4 minutes (the take-over's 0 is not an escalation's).
    assert_eq!(
        first.first_reply,
        Spread {
            count: 2,
            median: Some(minutes(2)),
            p90: Some(minutes(4))
        }
    );
    assert_eq!(
        first.resolution,
        Spread {
            count: 1,
            median: Some(minutes(30)),
            p90: Some(minutes(30))
        }
    );
    let empty = &shoes.days[2].figures;
    assert_eq!(*empty, Figures::default());
    assert_eq!(empty.conversion(), None);
    // The range: 14 conversation-days, 2 converted; the spreads over all
    // four escalations' times (2, 4, 10 and 30, 60).
    assert_eq!((shoes.total.conversations, shoes.total.converted), (14, 2));
    assert_eq!(shoes.total.escalations, 4);
    assert_eq!(
        shoes.total.first_reply,
        Spread {
            count: 3,
            median: Some(minutes(4)),
            p90: Some(minutes(10))
        }
    );
    assert_eq!(
        shoes.total.resolution,
        Spread {
            count: 2,
            median: Some(minutes(30)),
            p90: Some(minutes(60))
        }
    );
}

#[test]
fn orders_are_split_by_who_closed_them_and_only_paid_ones_are_revenue_per_currency() {
    let day = "2026-12-01";
    let rows = Rows {
        orders: vec![
            orders("shoes", day, ClosedBy::Ai, "paid", "BRL", 2, 25_000),
            orders("shoes", day, ClosedBy::Ai, "delivered", "BRL", 1, 5_050),
            orders(
                "shoes",
                day,
                ClosedBy::Ai,
                "pending_payment",
                "BRL",
                3,
                90_000,
            ),
            orders("shoes", day, ClosedBy::Human, "shipped", "BRL", 1, 12_000),
            orders("shoes", day, ClosedBy::Human, "fulfilled", "USD", 1, 1_999),
            orders("shoes", day, ClosedBy::Human, "cancelled", "BRL", 1, 7_000),
            orders("shoes", day, ClosedBy::Human, "expired", "BRL", 2, 8_000),
        ],
        ..Rows::default()
    };

    let report = Report::build(range(day, day), Some("shoes"), &rows);

    let figures = &report.brands[0].days[0].figures;
    assert_eq!(
        (figures.ai.paid, figures.ai.pending, figures.ai.lost),
        (3, 3, 0)
    );
    assert_eq!(
        figures.ai.revenue,
        BTreeMap::from([("BRL".to_owned(), 30_050)])
    );
    assert_eq!(
        (
            figures.human.paid,
            figures.human.pending,
            figures.human.lost
        ),
        (2, 0, 3)
    );
    assert_eq!(
        figures.human.revenue,
        BTreeMap::from([("BRL".to_owned(), 12_000), ("USD".to_owned(), 1_999)])
    );
    assert_eq!(figures.human.placed(), 5);
    assert_eq!(figures.currencies().collect::<Vec<_>>(), ["BRL", "USD"]);
    let all = figures.all_sales();
    assert_eq!((all.paid, all.placed()), (5, 11));
    assert_eq!(all.revenue["BRL"], 42_050);
    assert_eq!(report.brands[0].total, *figures);
}

#[test]
fn a_brand_asked_for_is_reported_even_without_rows_and_other_brands_are_left_out() {
    let rows = Rows {
        conversations: vec![
            conversations("bags", "2026-12-01", 3, 1),
            conversations("shoes", "2026-12-01", 5, 0),
            // Outside the range.
            conversations("hats", "2026-11-30", 1, 0),
        ],
        ..Rows::default()
    };

    let all = Report::build(range("2026-12-01", "2026-12-02"), None, &rows);
    let one = Report::build(range("2026-12-01", "2026-12-02"), Some("boots"), &rows);

    let names: Vec<&str> = all.brands.iter().map(|b| b.brand.as_str()).collect();
    assert_eq!(names, ["bags", "shoes"]);
    assert_eq!(all.brands[0].total.conversations, 3);
    assert_eq!(one.brands.len(), 1);
    assert_eq!(one.brands[0].brand, "boots");
    assert_eq!(one.brands[0].days.len(), 2);
    assert_eq!(one.brands[0].total, Figures::default());
}

#[test]
fn amounts_are_written_with_their_currencys_decimals() {
    assert_eq!(decimal(123_450, "BRL"), "1234.50");
    assert_eq!(decimal(5, "USD"), "0.05");
    assert_eq!(decimal(1_500, "JPY"), "1500");
    assert_eq!(decimal(1_234, "KWD"), "1.234");
    assert_eq!(decimal(-300, "EUR"), "-3.00");
}
