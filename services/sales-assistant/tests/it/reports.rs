//! The owner's report for a scripted day of events published on the bus
//! into the real service: shopper messages in several conversations,
//! escalations with reasons, human replies and resolutions, orders created,
//! paid, cancelled and expired, by AI-only and handed-off conversations.
//! The CSV's figures (and the page's) equal values computed by hand, written
//! here as literals with the computation beside them.
//!
//! Times come from the events themselves (a shopper message's `sent_at`
//! and time, a reply's time, an order's time and `changed_at`), except two
//! that are the service's clock: when a hand-off opened (`opened_at`, the
//! escalation's commit) and when it was resolved (`resolved_at`, the
//! resolve request's). Those are set to the script's times with direct SQL
//! updates right after each happened (see `open` and `resolve`); each
//! `opened_at` is set before any order of its conversation is published,
//! as the order's closer is decided from it when the order is recorded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cloudevents::AttributesWriter as _;
use serde_json::json;
use store_events::{
    BrandId, ConversationId, Event, EventContext, EventData as _, TenantId,
    data::{
        Channel, ChatMessageNew, ChatResponse, Customer, EscalationReason, MessageContent,
        OrderCreated, OrderStatus, OrderStatusChanged, Priority, ResponsePart, SalesEscalate,
        SalesResolved, Sender,
    },
    new_event,
};

use sales_assistant::accounts::Role;

use crate::{
    helpers::{BRAND, TestApp},
    orders::{order_created, order_status, wait_order_status},
};

/// The scripted day and its neighbours.
const DAY: &str = "2026-11-17";

/// `2026-11-17T<hh:mm>:00Z` (or another day's, as `2026-11-16T23:59`).
fn t(time: &str) -> DateTime<Utc> {
    let full = if time.len() == 5 {
        format!("{DAY}T{time}:00Z")
    } else {
        format!("{time}:00Z")
    };
    full.parse().unwrap()
}

fn context(tenant: &str, brand: &str, conversation: &str) -> EventContext {
    EventContext::new(TenantId::parse(tenant).unwrap())
        .with_brand(BrandId::parse(brand).unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap())
}

fn timed(mut event: Event, at: DateTime<Utc>) -> Event {
    event.set_time(Some(at));
    event
}

/// A shopper's text in `conversation` of `brand`, sent at `at`.
fn shopper(tenant: &str, brand: &str, conversation: &str, at: DateTime<Utc>) -> Event {
    let data = ChatMessageNew {
        message_id: uuid::Uuid::now_v7().to_string(),
        channel: Channel::Whatsapp,
        channel_message_id: format!("wamid.{}", uuid::Uuid::new_v4().simple()),
        customer: Customer::new(format!("55119{}", conversation.len())),
        sent_at: at,
        content: MessageContent::Text {
            text: format!("Hello from {conversation}"),
        },
        reply_to: None,
        edited: false,
    };
    timed(
        new_event("/tests", &context(tenant, brand, conversation), &data).unwrap(),
        at,
    )
}

/// A reply in `conversation`, by `sender`, sent at `at`.
fn reply(tenant: &str, conversation: &str, sender: Sender, at: DateTime<Utc>) -> Event {
    let data = ChatResponse {
        channel: Channel::Whatsapp,
        recipient: "5511900000000".to_owned(),
        reply_to_message_id: None,
        sender,
        parts: vec![ResponsePart::Text {
            text: "On it".to_owned(),
        }],
    };
    timed(
        new_event("/tests", &context(tenant, BRAND, conversation), &data).unwrap(),
        at,
    )
}

fn escalate(
    tenant: &str,
    conversation: &str,
    reason: EscalationReason,
    at: DateTime<Utc>,
) -> Event {
    let data = SalesEscalate {
        reason,
        summary: format!("{conversation} needs a person"),
        customer: Customer::new("5511900000000"),
        channel: Channel::Whatsapp,
        priority: Priority::Normal,
        last_messages: None,
    };
    timed(
        new_event("/tests", &context(tenant, BRAND, conversation), &data).unwrap(),
        at,
    )
}

/// The script's steps that need the service's state between events.
struct Script<'a> {
    app: &'a TestApp,
    key: String,
}

impl Script<'_> {
    async fn publish(&self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            self.app.publish(&event).await;
        }
    }

    /// Escalates `conversation` and sets its hand-off's `opened_at` (the
    /// service's clock) to `at`; returns the hand-off's id.
    async fn open(&self, conversation: &str, reason: EscalationReason, at: &str) -> String {
        self.publish([escalate("acme", conversation, reason, t(at))])
            .await;
        let handoff = self.app.wait_for_handoff(&self.key, conversation).await;
        let id = handoff["id"].as_str().unwrap().to_owned();
        // Direct SQL: `opened_at` is the service's clock.
        sqlx::query("update handoff set opened_at = $2 where id = $1::uuid")
            .bind(&id)
            .bind(t(at))
            .execute(&self.app.pool)
            .await
            .unwrap();
        id
    }

    /// Resolves hand-off `id` through the API and sets its `resolved_at`
    /// (the service's clock) to `at`.
    async fn resolve(&self, id: &str, at: &str) {
        let (status, body) = self
            .app
            .post(
                &self.key,
                &format!("/api/v1/handoffs/{id}/resolve"),
                json!({"agent": "maria", "resolution": "handed_back"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        // Direct SQL: `resolved_at` is the service's clock.
        sqlx::query("update handoff set resolved_at = $2 where id = $1::uuid")
            .bind(id)
            .bind(t(at))
            .execute(&self.app.pool)
            .await
            .unwrap();
    }
}

fn paid(conversation: Option<&str>, order: &str, at: &str) -> Event {
    order_status(
        "acme",
        conversation,
        order,
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        t(at),
    )
}

/// The scripted day (all `acme`, brand `shoes` unless said; UTC):
///
/// | conversation | shopper messages | hand-off | replies by a human | orders |
/// |---|---|---|---|---|
/// | c1 | 09:00, 09:05; 11-18 00:00 | – | – | o1 09:10 129.90 BRL, paid 09:20 |
/// | c2 | 10:00 | customer_request 10:01 (escalated again 10:02), resolved 10:41 | 10:04, 10:30 | o2 10:20 349.00 BRL, paid 10:25 |
/// | c3 | 11:00 | policy 11:02, resolved 12:02 | 11:12 | o3 11:30 80.00 BRL, cancelled 11:40 |
/// | c4 | 12:00 | customer_request 12:05, open | – | o4 12:30 10.00 BRL, pending |
/// | c5 | 13:00 | complex_case 13:01, resolved 14:31 | 13:21 | o9 13:00 15.00 BRL (before the hand-off), paid 13:05 |
/// | c6 | 14:00 | – | – | o5 14:10 20.00 BRL pending; o6 14:15 30.00 BRL, expired 15:15 |
/// | c7 | 11-16 23:59 | – | – | o7 00:10 50.00 BRL, paid 00:15 |
/// | c9 | 16:00 | – | – (the AI answers 16:01) | – |
/// | (none) | – | – | – | o8 15:00 19.99 USD, paid 15:05 |
/// | c8 (brand `bags`) | 09:30 | – | – | – |
/// | g1 (tenant `globex`) | 09:00 | – | – | – |
async fn play(app: &TestApp, key: String) {
    let script = Script { app, key };
    let _resolutions = app.watch(&format!("{}.#", SalesResolved::TYPE)).await;
    let shoes = |c: &str, at: &str| shopper("acme", BRAND, c, t(at));
    script
        .publish([
            shoes("c7", "2026-11-16T23:59"),
            shoes("c1", "09:00"),
            shoes("c1", "09:05"),
            shopper("acme", "bags", "c8", t("09:30")),
            shopper("globex", BRAND, "g1", t("09:00")),
            shoes("c2", "10:00"),
            shoes("c3", "11:00"),
            shoes("c4", "12:00"),
            shoes("c5", "13:00"),
            shoes("c6", "14:00"),
            shoes("c9", "16:00"),
            reply("acme", "c9", Sender::Ai, t("16:01")),
            shoes("c1", "2026-11-18T00:00"),
        ])
        .await;
    app.wait_handled(ChatMessageNew::TYPE, 12).await;

    let c2 = script
        .open("c2", EscalationReason::CustomerRequest, "10:01")
        .await;
    let c3 = script.open("c3", EscalationReason::Policy, "11:02").await;
    let _c4 = script
        .open("c4", EscalationReason::CustomerRequest, "12:05")
        .await;
    let c5 = script
        .open("c5", EscalationReason::ComplexCase, "13:01")
        .await;
    // Recorded after c5's hand-off opened, but placed before it: the AI's.
    script
        .publish([
            order_created("acme", Some("c5"), "o9", 1_500, "BRL", t("13:00")),
            paid(Some("c5"), "o9", "13:05"),
        ])
        .await;
    wait_order_status(&app.pool, "acme", "o9", "paid").await;
    // A repeat of c2's open hand-off: no new escalation.
    script
        .publish([escalate(
            "acme",
            "c2",
            EscalationReason::CustomerRequest,
            t("10:02"),
        )])
        .await;
    app.wait_handled(SalesEscalate::TYPE, 5).await;

    script
        .publish([
            reply("acme", "c2", Sender::Human, t("10:04")),
            reply("acme", "c2", Sender::Human, t("10:30")),
            reply("acme", "c3", Sender::Human, t("11:12")),
            reply("acme", "c5", Sender::Human, t("13:21")),
            order_created("acme", Some("c1"), "o1", 12_990, "BRL", t("09:10")),
            paid(Some("c1"), "o1", "09:20"),
            order_created("acme", Some("c2"), "o2", 34_900, "BRL", t("10:20")),
            paid(Some("c2"), "o2", "10:25"),
            order_created("acme", Some("c3"), "o3", 8_000, "BRL", t("11:30")),
            order_status(
                "acme",
                Some("c3"),
                "o3",
                OrderStatus::PendingPayment,
                OrderStatus::Cancelled,
                t("11:40"),
            ),
            order_created("acme", Some("c4"), "o4", 1_000, "BRL", t("12:30")),
            order_created("acme", Some("c6"), "o5", 2_000, "BRL", t("14:10")),
            order_created("acme", Some("c6"), "o6", 3_000, "BRL", t("14:15")),
            order_status(
                "acme",
                Some("c6"),
                "o6",
                OrderStatus::PendingPayment,
                OrderStatus::Expired,
                t("15:15"),
            ),
            order_created("acme", Some("c7"), "o7", 5_000, "BRL", t("00:10")),
            paid(Some("c7"), "o7", "00:15"),
            order_created("acme", None, "o8", 1_999, "USD", t("15:00")),
            paid(None, "o8", "15:05"),
            // globex's sale, which acme never sees.
            order_created("globex", Some("g1"), "g-o1", 99_900, "BRL", t("09:10")),
        ])
        .await;
    app.wait_handled(ChatResponse::TYPE, 5).await;
    app.wait_handled(OrderCreated::TYPE, 10).await;
    app.wait_handled(OrderStatusChanged::TYPE, 7).await;

    script.resolve(&c2, "10:41").await;
    script.resolve(&c3, "12:02").await;
    script.resolve(&c5, "14:31").await;
}

/// The CSV's rows by `(day, brand)`, each column by name.
fn rows(csv: &str) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            let row: BTreeMap<String, String> = header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect();
            ((row["day"].clone(), row["brand"].clone()), row)
        })
        .collect()
}

/// `expected` (column, value) pairs all hold in `row`.
fn assert_row(row: &BTreeMap<String, String>, expected: &[(&str, &str)]) {
    for (column, value) in expected {
        assert_eq!(
            row.get(*column).map(String::as_str),
            Some(*value),
            "column {column} of {row:?}"
        );
    }
}

/// The CSV's row of `brand` on `day` (or `total`).
fn figures<'a>(
    csv: &'a BTreeMap<(String, String), BTreeMap<String, String>>,
    day: &str,
    brand: &str,
) -> &'a BTreeMap<String, String> {
    csv.get(&(day.to_owned(), brand.to_owned()))
        .unwrap_or_else(|| panic!("no row {day} {brand} in {:?}", csv.keys()))
}

#[tokio::test]
async fn the_report_of_a_scripted_day_has_the_hand_computed_figures() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.tenant("globex").await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let seller = app.account("acme", Role::Seller, &[BRAND]).await;

    play(&app, key).await;
    let browser = owner.browser().await;
    let query = "from=2026-11-16&to=2026-11-18";
    let (status, csv) = browser
        .get_page(&format!("/inbox/reports.csv?{query}"))
        .await;
    let (page_status, page) = browser
        .get_page(&format!("/inbox/reports?brand={BRAND}&{query}"))
        .await;
    let seller_browser = seller.browser().await;
    let (seller_page, _) = seller_browser
        .get_page(&format!("/inbox/reports?{query}"))
        .await;
    let (seller_csv, _) = seller_browser
        .get_page(&format!("/inbox/reports.csv?{query}"))
        .await;
    let (too_long, refusal) = browser
        .get_page("/inbox/reports?from=2025-11-16&to=2026-11-18")
        .await;
    let (unknown_brand, _) = browser
        .get_page(&format!("/inbox/reports?brand=boots&{query}"))
        .await;

    assert_eq!(status, 200, "{csv}");
    let header = csv.lines().next().unwrap();
    // Reasons and currencies of the report, in order, after the fixed
    // columns.
    assert!(
        header.ends_with(
            ",human_lost,reason_complex_case,reason_customer_request,reason_policy,\
             revenue_ai_BRL,revenue_human_BRL,revenue_ai_USD,revenue_human_USD"
        ),
        "{header}"
    );
    let csv = rows(&csv);
    // Two brands of acme (globex's shoes conversation and order are not
    // acme's), three days and a total each.
    assert_eq!(csv.len(), 8, "{:?}", csv.keys());

    assert_row(
        figures(&csv, DAY, BRAND),
        &[
            // c1, c2, c3, c4, c5, c6, c9 (c7's message was on the 16th,
            // c8 is of bags, g1 of globex).
            ("conversations", "7"),
            // With an order placed that day: c1 (o1), c2 (o2), c3 (o3,
            // cancelled since), c4 (o4), c5 (o9), c6 (o5, o6); not c9.
            ("converted", "6"),
            // 6 / 7 = 0.857142…
            ("conversion", "0.8571"),
            // c2, c3, c4, c5 (c2's second escalation is a repeat).
            ("escalations", "4"),
            ("take_overs", "0"),
            ("reason_customer_request", "2"), // c2, c4
            ("reason_policy", "1"),           // c3
            ("reason_complex_case", "1"),     // c5
            // Answered: c2 10:01→10:04 = 180 s (its 10:30 reply is not the
            // first), c3 11:02→11:12 = 600 s, c5 13:01→13:21 = 1200 s.
            // Median: the ⌈3·0.5⌉ = 2nd = 600; p90: the ⌈2.7⌉ = 3rd.
            ("first_replies", "3"),
            ("first_reply_median_s", "600"),
            ("first_reply_p90_s", "1200"),
            // Resolved: c2 10:01→10:41 = 2400 s, c3 11:02→12:02 = 3600 s,
            // c5 13:01→14:31 = 5400 s (c4 is open).
            ("resolutions", "3"),
            ("resolution_median_s", "3600"),
            ("resolution_p90_s", "5400"),
            // The AI's: o1, o7, o8, o9 paid (o9 was placed at 13:00, before
            // c5's hand-off opened at 13:01); o5 pending; o6 expired.
            ("ai_paid", "4"),
            ("ai_pending", "1"),
            ("ai_lost", "1"),
            // Humans': o2 paid, o4 pending, o3 cancelled.
            ("human_paid", "1"),
            ("human_pending", "1"),
            ("human_lost", "1"),
            // o1 129.90 + o7 50.00 + o9 15.00 = 194.90 BRL; o8 19.99 USD.
            ("revenue_ai_BRL", "194.90"),
            ("revenue_ai_USD", "19.99"),
            // o2 349.00 BRL.
            ("revenue_human_BRL", "349.00"),
            ("revenue_human_USD", "0.00"),
        ],
    );
    // A day of `conversations` conversations and nothing else.
    let quiet = |row: &BTreeMap<String, String>, conversations: &str, conversion: &str| {
        assert_row(
            row,
            &[
                ("conversations", conversations),
                ("converted", "0"),
                ("conversion", conversion),
                ("escalations", "0"),
                ("first_replies", "0"),
                ("first_reply_median_s", ""),
                ("ai_paid", "0"),
                ("human_paid", "0"),
                ("revenue_ai_BRL", "0.00"),
            ],
        );
    };
    // The 16th: c7 wrote at 23:59 (its order was placed on the 17th): 1
    // conversation, 0 converted, 0 / 1 = 0.0000.
    quiet(figures(&csv, "2026-11-16", BRAND), "1", "0.0000");
    // The 18th: c1 wrote at 00:00 exactly, the 18th's first instant.
    quiet(figures(&csv, "2026-11-18", BRAND), "1", "0.0000");
    assert_row(
        figures(&csv, "total", BRAND),
        &[
            // 1 + 7 + 1 conversation-days; 6 converted; 6 / 9 = 0.6666….
            ("conversations", "9"),
            ("converted", "6"),
            ("conversion", "0.6667"),
            ("escalations", "4"),
            ("first_reply_median_s", "600"),
            ("first_reply_p90_s", "1200"),
            ("resolution_median_s", "3600"),
            ("resolution_p90_s", "5400"),
            ("ai_paid", "4"),
            ("revenue_ai_BRL", "194.90"),
            ("revenue_human_BRL", "349.00"),
        ],
    );
    // bags: c8's one message on the 17th; no conversations the other days
    // (conversion blank: nothing to divide).
    quiet(figures(&csv, DAY, "bags"), "1", "0.0000");
    quiet(figures(&csv, "2026-11-16", "bags"), "0", "");
    assert_row(
        figures(&csv, "total", "bags"),
        &[("conversations", "1"), ("escalations", "0")],
    );

    // The page says the same, with its charts.
    assert_eq!(page_status, 200, "{page}");
    for shown in [
        "<th scope=\"row\">2026-11-17</th>\n          <td>7</td>\n          <td>4</td>",
        "10m 00s / 20m 00s (3)",
        "1h 00m / 1h 30m (3)",
        "4 / 1 / 1",
        "194.90 BRL, 19.99 USD",
        "349.00 BRL",
        "85.7% (6/7)",
        "customer request",
        "class=\"chart\"",
        "revenue per day (BRL)",
        "revenue per day (USD)",
    ] {
        assert!(page.contains(shown), "the page lacks {shown:?}: {page}");
    }
    assert!(!page.contains("style="), "an inline style: {page}");
    assert!(!page.contains("bags</h2>"), "the brand filter let bags in");
    // Owners only; a sensible range; a brand of the tenant.
    assert_eq!((seller_page, seller_csv), (404, 404));
    assert_eq!(too_long, 422);
    assert!(refusal.contains("at most 366 days, not 368"), "{refusal}");
    assert_eq!(unknown_brand, 404);
    app.stop().await;
}
