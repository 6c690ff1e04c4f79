//! A catalog request made while the broker is away (a restart, a broken
//! connection) is sent again once it is back, within the tool's timeout:
//! the shopper gets the products a moment late, not "the catalog is not
//! reachable".

use std::time::{Duration, Instant};

use secrecy::SecretString;
use seller_agent::{
    llm::ToolCall,
    tools::{self, Reach, ToolContext, ToolOutcome},
};
use store_bus::Bus;
use store_events::{
    BrandId, ConversationId, TenantId,
    data::{Channel, ChatMessageNew, Customer, MessageContent},
    new_event,
};
use store_telemetry::metrics::Metrics;
use store_testkit::proxy::{self, Proxy};

use crate::{
    fake_shop::FakeShop,
    support::{BRAND, TENANT, TestSeller, context},
};

/// A turn's tool context whose bus goes through `proxy`.
async fn through(seller: &TestSeller, proxy: &Proxy, timeout: Duration) -> ToolContext {
    let amqp = store_testkit::amqp_url();
    let mut config = seller.app.bus.config().clone();
    config.url = SecretString::from(proxy::via(&amqp, proxy.port));
    let bus = Bus::connect(config, Metrics::new("outage").unwrap())
        .await
        .unwrap();
    let message = ChatMessageNew {
        message_id: "m1".into(),
        channel: Channel::Webchat,
        channel_message_id: "w1".into(),
        customer: Customer {
            id: "cust-outage".into(),
            ..Customer::default()
        },
        sent_at: chrono::Utc::now(),
        content: MessageContent::Text {
            text: "sneakers".into(),
        },
        reply_to: None,
        edited: false,
    };
    ToolContext {
        bus,
        tenant: TenantId::parse(TENANT).unwrap(),
        brand: BrandId::parse(BRAND).unwrap(),
        conversation: ConversationId::parse("web:outage").unwrap(),
        customer: message.customer.clone(),
        channel: Channel::Webchat,
        cause: new_event("/shopper", &context("web:outage"), &message).unwrap(),
        currency: "BRL".into(),
        timeout,
        orders_api: None,
        recent: Vec::new(),
        reach: Reach::Act,
        late_orders: None,
        broker_away: Default::default(),
    }
}

fn search() -> ToolCall {
    ToolCall {
        id: "call-1".into(),
        name: "search_products".into(),
        arguments: r#"{"query":"sneakers"}"#.into(),
    }
}

#[tokio::test]
async fn a_search_during_a_broker_outage_is_answered_when_the_broker_is_back() {
    let seller = TestSeller::spawn().await;
    let _shop = FakeShop::open(&seller.app, Duration::ZERO).await;
    // The seller's tools talk to the broker through a proxy the test cuts.
    let proxy = Proxy::start(proxy::host_port(&store_testkit::amqp_url())).await;
    let ctx = through(&seller, &proxy, Duration::from_secs(8)).await;
    let search = search();
    let first = tools::run(&ctx, &search, 0).await;
    assert!(matches!(first, ToolOutcome::Ok(_)), "{first:?}");

    // The broker goes away for 1.5 s: every connection reset, new ones
    // refused, as while it restarts.
    proxy.blip(Duration::from_millis(1500));
    let started = Instant::now();
    let outcome = tools::run(&ctx, &search, 1).await;

    let ToolOutcome::Ok(found) = &outcome else {
        panic!("the search failed instead of waiting for the broker: {outcome:?}");
    };
    assert_eq!(found["products"].as_array().unwrap().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "the outage was not felt: {:?}",
        started.elapsed()
    );
    assert!(!ctx.broker_away.seen());
    seller.stop().await;
}

#[tokio::test]
async fn a_search_that_outlasts_its_timeout_marks_the_turn_to_be_handled_again() {
    let seller = TestSeller::spawn().await;
    let _shop = FakeShop::open(&seller.app, Duration::ZERO).await;
    let proxy = Proxy::start(proxy::host_port(&store_testkit::amqp_url())).await;
    let ctx = through(&seller, &proxy, Duration::from_secs(1)).await;
    assert!(matches!(
        tools::run(&ctx, &search(), 0).await,
        ToolOutcome::Ok(_)
    ));

    // Away for longer than the tool may wait: the search fails, and the
    // turn knows why (the seller then answers nothing and retries the
    // message, rather than tell the shopper the shop is unreachable).
    proxy.blip(Duration::from_secs(3));
    let outcome = tools::run(&ctx, &search(), 1).await;

    assert!(matches!(outcome, ToolOutcome::Error(_)), "{outcome:?}");
    assert!(ctx.broker_away.seen());
    seller.stop().await;
}
