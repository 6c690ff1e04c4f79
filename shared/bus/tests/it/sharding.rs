//! A sharded consumer keeps each conversation's order across replicas while
//! handling different conversations in parallel.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::support::{Ping, TestBus};
use store_bus::{Bus, ConsumerConfig, Handler, HandlerError, Incoming, topology};
use store_events::{ConversationId, EventContext, EventMeta, TenantId, decode, new_event};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Records the order events were handled in, per conversation, and fails the
/// test if two events of one conversation are ever handled at once.
struct Recorder {
    replica: usize,
    in_flight: Arc<Mutex<HashSet<String>>>,
    done: mpsc::UnboundedSender<(usize, String, u32)>,
}

#[async_trait::async_trait]
impl Handler for Recorder {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let conversation = EventMeta::from_event(&incoming.event)?
            .conversation
            .unwrap()
            .to_string();
        let n = decode::<Ping>(&incoming.event)?.n;
        assert!(
            self.in_flight.lock().unwrap().insert(conversation.clone()),
            "two events of {conversation} handled at once"
        );
        tokio::time::sleep(Duration::from_millis(u64::from(n % 3) * 5)).await;
        self.in_flight.lock().unwrap().remove(&conversation);
        let _ = self.done.send((self.replica, conversation, n));
        Ok(())
    }
}

#[tokio::test]
async fn three_replicas_keep_each_conversations_order() {
    let t = TestBus::new().await;
    let queue = t.queue("sharded");
    let config = ConsumerConfig::new(queue.clone(), ["store.test.ping.#"])
        .with_retry_delays([Duration::from_millis(100)])
        .sharded(4, "ce-conversation");
    let in_flight = Arc::new(Mutex::new(HashSet::new()));
    let (done, mut rx) = mpsc::unbounded_channel();
    let mut replicas = Vec::new();
    for replica in 0..3 {
        // Each replica has its own connections, as separate processes would.
        let bus = Bus::connect(
            t.bus.config().clone(),
            Metrics::new(&format!("r{replica}")).unwrap(),
        )
        .await
        .unwrap();
        let handler = Recorder {
            replica,
            in_flight: in_flight.clone(),
            done: done.clone(),
        };
        replicas.push(
            bus.consume(config.clone(), handler, CancellationToken::new())
                .await
                .unwrap(),
        );
    }
    let conversations = ["wa:1", "wa:2", "tg:3", "web:4", "wa:5"];

    for n in 0..10u32 {
        for conversation in conversations {
            let context = EventContext::new(TenantId::parse("demo").unwrap())
                .with_conversation(ConversationId::parse(conversation).unwrap());
            t.bus
                .publish(new_event("/test", &context, &Ping { n }).unwrap())
                .await
                .unwrap();
        }
    }
    let mut seen: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut shards_used = HashSet::new();
    for _ in 0..50 {
        let (replica, conversation, n) = crate::support::recv(&mut rx, 20).await;
        shards_used.insert(replica);
        seen.entry(conversation).or_default().push(n);
    }

    for (conversation, order) in &seen {
        assert_eq!(
            order,
            &(0..10).collect::<Vec<_>>(),
            "{conversation} out of order"
        );
    }
    assert_eq!(seen.len(), 5);
    for replica in replicas {
        replica.shutdown().await;
    }
    assert_eq!(t.depth(&topology::dead_letter_queue(&queue)).await, 0);
}

#[tokio::test]
async fn a_sharded_consumers_dead_letter_is_replayed_to_its_shard() {
    let t = TestBus::new().await;
    let queue = t.queue("sharded-dlq");
    let (mut handler, mut rx) = crate::support::Scripted::new(1);
    handler.reject = true;
    let config = ConsumerConfig::new(queue.clone(), ["store.test.ping.#"])
        .with_retry_delays([Duration::from_millis(100)])
        .sharded(2, "ce-conversation");
    let consumer = t
        .bus
        .consume(config, handler, CancellationToken::new())
        .await
        .unwrap();
    let context = EventContext::new(TenantId::parse("demo").unwrap())
        .with_conversation(ConversationId::parse("wa:7").unwrap());
    t.bus
        .publish(new_event("/test", &context, &Ping { n: 7 }).unwrap())
        .await
        .unwrap();
    crate::support::recv(&mut rx, 10).await;
    crate::support::silent(&mut rx, 500).await;
    assert_eq!(t.depth(&topology::dead_letter_queue(&queue)).await, 1);

    // The consumer's name is no queue of its own (its shards are): the dead
    // letter must go back to the shard it came from.
    let moved = t.bus.replay_dead_letters(&queue, 10).await.unwrap();
    let replayed = crate::support::recv(&mut rx, 10).await;

    assert_eq!(moved, 1);
    assert_eq!(decode::<Ping>(&replayed.event).unwrap(), Ping { n: 7 });
    consumer.shutdown().await;
}
