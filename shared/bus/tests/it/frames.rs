//! Connections ask for small frames (lapin's buffers are 32 frames each way
//! per connection), and an event whose data is bigger than a frame still
//! travels whole (as several body frames; its headers, the CloudEvents
//! attributes, must fit in one).

use secrecy::SecretString;
use store_bus::{BusConfig, ConsumerConfig, connection};
use store_events::{EventContext, EventData, TenantId, new_event};
use tokio_util::sync::CancellationToken;

use crate::support::{Scripted, TestBus, recv};

#[tokio::test]
async fn connections_use_small_frames_unless_the_url_says_otherwise() {
    let url = store_testkit::amqp_url();
    let sep = if url.contains('?') { '&' } else { '?' };
    let config = |url: String| BusConfig::new("frames-test", SecretString::from(url));

    let default = connection::open(&config(url.clone()), "test")
        .await
        .unwrap();
    let chosen = connection::open(&config(format!("{url}{sep}frame_max=65536")), "test")
        .await
        .unwrap();

    assert_eq!(default.configuration().frame_max(), connection::FRAME_MAX);
    assert_eq!(chosen.configuration().frame_max(), 65536);
    let _ = default.close(200, "done".into()).await;
    let _ = chosen.close(200, "done".into()).await;
}

#[tokio::test]
async fn an_event_bigger_than_a_frame_arrives_whole() {
    let test = TestBus::new().await;
    let (handler, mut rx) = Scripted::new(0);
    let consumer = test
        .bus
        .consume(
            ConsumerConfig::new(test.queue("big"), ["store.test.#"]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let text = "x".repeat(connection::FRAME_MAX as usize * 6);
    let event = new_event(
        "/test",
        &EventContext::new(TenantId::parse("demo").unwrap()),
        &Big { text: text.clone() },
    )
    .unwrap();

    test.bus.publish(event).await.unwrap();
    let incoming = recv(&mut rx, 10).await;

    assert_eq!(
        store_events::decode::<Big>(&incoming.event).unwrap().text,
        text
    );
    consumer.shutdown().await;
}

/// An event whose data spans several frames.
#[derive(serde::Serialize, serde::Deserialize)]
struct Big {
    text: String,
}

impl EventData for Big {
    const TYPE: &'static str = "store.test.big";
}
