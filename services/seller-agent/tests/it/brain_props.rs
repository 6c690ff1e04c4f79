//! Property test: whatever a shopper (or a forged request) sends — any
//! text (NUL, control characters, escape sequences, right-to-left marks,
//! emoji, huge and negative numbers) and any tapped reply id — the offline
//! brain's entry point ([`Brain::turn`]) answers without panicking, with a
//! sentence for the shopper and no tool wording, from any state of the
//! conversation. It runs against the real bus with the fake shop's
//! catalog and order desk; `PROPTEST_CASES` bounds it (64 by default, a
//! few seconds).

use std::time::Duration;

use proptest::{prelude::*, sample::select, test_runner::TestRunner};
use seller_agent::{
    brain::{
        Brain, Turn,
        leak::tool_wording,
        offline::OfflineBrain,
        offline_state::{LastOrder, OfflineState, Pending, Shown},
    },
    domain::{guard::Facts, persona::Persona},
    metrics::{SellerMetrics, TokenPrices},
    tools::{Reach, ToolContext},
};
use serde_json::Value;
use store_events::{
    BrandId, ConversationId, TenantId,
    data::{Channel, ChatMessageNew, Customer, MessageContent, ResponsePart},
    new_event,
};

use crate::{
    fake_shop::FakeShop,
    support::{BRAND, TENANT, TestSeller, context},
};

/// Words and pieces an attacker or a clumsy thumb may send.
const PIECES: &[&str] = &[
    "pick",
    "of",
    "1",
    "2",
    "0",
    "-3",
    "−3",
    "(-3)",
    "(99999999999999999999)",
    "99999999999999999999",
    "4294967297",
    "18446744073709551615",
    "#2",
    "2nd",
    "\u{0}",
    "\u{202E}",
    "\u{200F}",
    "مرحبا",
    "שלום",
    "👍",
    "❤️",
    "yes",
    "no",
    "sí",
    "cancel",
    "FA-1001",
    "size 42",
    "cheaper",
    "compare 1 and 2",
    "more",
    "\u{1b}[2J",
    "\u{1b}]0;pwned\u{7}",
    "\r\n",
    "\t",
    "add 99999999999 more",
    "add 3 more",
    "R$ 10",
    "90% off",
    "sneakers",
    "gift",
    "under 100",
    "a person",
    "where is my order",
    "payment link",
];

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        prop::collection::vec(select(PIECES), 0..6).prop_map(|p| p.join(" ")),
        prop::collection::vec(select(PIECES), 0..6).prop_map(|p| p.concat()),
    ]
}

fn reply_id() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        any::<u64>().prop_map(|n| format!("pick:{n}")),
        any::<i128>().prop_map(|n| format!("pick:{n}")),
        (0u8..5).prop_map(|n| format!("pick:{n}")),
        Just("confirm:yes".to_owned()),
        Just("confirm:no".to_owned()),
        any::<String>(),
        any::<String>().prop_map(|s| format!("pick:{s}")),
    ])
}

fn shown(i: usize) -> Shown {
    Shown {
        product_id: crate::fake_shop::PRODUCTS[i].0.into(),
        variant_id: None,
        name: crate::fake_shop::PRODUCTS[i].1.into(),
        price: "299.90 BRL".into(),
        price_minor: crate::fake_shop::PRODUCTS[i].2,
        stock: Some(5),
        attributes: Default::default(),
    }
}

/// The states a conversation can be in: nothing shown, a list, an order
/// waiting for a yes, an order placed.
fn state() -> impl Strategy<Value = Value> {
    let listed = OfflineState {
        shown: vec![shown(0), shown(1)],
        ..OfflineState::default()
    };
    let pending = OfflineState {
        pending: Some(Pending {
            item: shown(0),
            quantity: 2,
            replaces: None,
        }),
        ..listed.clone()
    };
    let ordered = OfflineState {
        last_order: Some(LastOrder {
            number: "FA-1001".into(),
            item: shown(1),
            quantity: 1,
        }),
        ..OfflineState::default()
    };
    select(vec![OfflineState::default(), listed, pending, ordered])
        .prop_map(|s| serde_json::to_value(s).unwrap())
}

#[test]
fn any_text_and_reply_id_get_an_answer_and_never_a_panic() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (seller, _shop) = runtime.block_on(async {
        let seller = TestSeller::spawn().await;
        let shop = FakeShop::open(&seller.app, Duration::ZERO).await;
        (seller, shop)
    });
    let message = ChatMessageNew {
        message_id: "m1".into(),
        channel: Channel::Webchat,
        channel_message_id: "w1".into(),
        customer: Customer {
            id: "cust-props".into(),
            ..Customer::default()
        },
        sent_at: chrono::Utc::now(),
        content: MessageContent::Text { text: "x".into() },
        reply_to: None,
        edited: false,
    };
    let ctx = ToolContext {
        bus: seller.app.bus.clone(),
        tenant: TenantId::parse(TENANT).unwrap(),
        brand: BrandId::parse(BRAND).unwrap(),
        conversation: ConversationId::parse("web:props").unwrap(),
        customer: message.customer.clone(),
        channel: Channel::Webchat,
        cause: new_event("/shopper", &context("web:props"), &message).unwrap(),
        currency: "BRL".into(),
        timeout: Duration::from_millis(500),
        orders_api: None,
        recent: Vec::new(),
        reach: Reach::Act,
        late_orders: None,
        broker_away: Default::default(),
    };
    let persona = Persona::parse(
        "seller_name: Lía\nbrand_name: Moda Lía\ntone: warm\ngreeting: \"Hi! I'm Lía\"\ndefault_language: en\n",
    )
    .unwrap();
    let registry = prometheus::Registry::new();
    let brain = OfflineBrain::new(
        SellerMetrics::new(&registry, TENANT, BRAND, TokenPrices::default()).unwrap(),
    );

    // PROPTEST_CASES overrides the number of cases.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(hostile_text(), reply_id(), state(), any::<bool>()),
            |(text, reply_id, state, first_message)| {
                let turn = Turn {
                    ctx: &ctx,
                    persona: &persona,
                    shopper: Default::default(),
                    history: Vec::new(),
                    text,
                    reply_id,
                    facts: Facts::default(),
                    state,
                    first_message,
                };
                let result = runtime.block_on(brain.turn(turn)).unwrap();
                prop_assert!(!result.parts.is_empty(), "no answer");
                for part in &result.parts {
                    if let ResponsePart::Text { text } = part {
                        prop_assert!(!text.trim().is_empty(), "an empty sentence");
                        prop_assert!(!tool_wording(text), "tool wording: {text}");
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    runtime.block_on(seller.stop());
}
