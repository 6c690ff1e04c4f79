//! A sharded consumer keeps each conversation's order across replicas while
//! handling different conversations in parallel, and its replicas share the
//! shards: each holds its share, and a departed one's shards are taken over.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::support::{Ping, TestBus};
use store_bus::{Bus, ConsumerConfig, ConsumerHandle, Handler, HandlerError, Incoming, topology};
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

/// Starts replica `replica` of `config` on connections of its own, as a
/// separate process would have.
async fn replica(
    t: &TestBus,
    config: &ConsumerConfig,
    replica: usize,
    in_flight: &Arc<Mutex<HashSet<String>>>,
    done: &mpsc::UnboundedSender<(usize, String, u32)>,
) -> ConsumerHandle {
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
    bus.consume(config.clone(), handler, CancellationToken::new())
        .await
        .unwrap()
}

/// Waits until the replicas hold `expected` shards each (in any order).
async fn shares(replicas: &[&ConsumerHandle], expected: &[usize]) {
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    let mut held = Vec::new();
    for _ in 0..100 {
        held = replicas
            .iter()
            .map(|r| r.shards_held().unwrap())
            .collect::<Vec<_>>();
        held.sort_unstable();
        if held == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("replicas hold {held:?} shards, expected {expected:?}");
}

/// Publishes `rounds` events numbered `from..` to each of `conversations`.
async fn publish(t: &TestBus, conversations: &[String], from: u32, rounds: u32) {
    for n in from..from + rounds {
        for conversation in conversations {
            let context = EventContext::new(TenantId::parse("demo").unwrap())
                .with_conversation(ConversationId::parse(conversation).unwrap());
            t.bus
                .publish(new_event("/test", &context, &Ping { n }).unwrap())
                .await
                .unwrap();
        }
    }
}

/// Receives `count` handled events: per conversation the numbers in
/// handling order, and the replicas that handled any.
async fn handled(
    rx: &mut mpsc::UnboundedReceiver<(usize, String, u32)>,
    count: usize,
) -> (BTreeMap<String, Vec<u32>>, BTreeSet<usize>) {
    let mut seen: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut replicas = BTreeSet::new();
    for _ in 0..count {
        let (replica, conversation, n) = crate::support::recv(rx, 20).await;
        replicas.insert(replica);
        seen.entry(conversation).or_default().push(n);
    }
    (seen, replicas)
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
    for r in 0..3 {
        replicas.push(replica(&t, &config, r, &in_flight, &done).await);
    }
    let conversations: Vec<String> = ["wa:1", "wa:2", "tg:3", "web:4", "wa:5"]
        .map(String::from)
        .to_vec();

    publish(&t, &conversations, 0, 10).await;
    let (seen, _) = handled(&mut rx, 50).await;

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
async fn replicas_share_the_shards_and_take_over_a_departed_ones() {
    let t = TestBus::new().await;
    let queue = t.queue("shared");
    let config = ConsumerConfig::new(queue.clone(), ["store.test.ping.#"])
        .with_retry_delays([Duration::from_millis(100)])
        .sharded(6, "ce-conversation");
    let in_flight = Arc::new(Mutex::new(HashSet::new()));
    let (done, mut rx) = mpsc::unbounded_channel();
    let conversations: Vec<String> = (0..60).map(|i| format!("wa:{i}")).collect();

    // Alone, one replica holds every shard.
    let first = replica(&t, &config, 0, &in_flight, &done).await;
    shares(&[&first], &[6]).await;
    // Two more join while events flow: the shards are handed over and
    // spread evenly, and no conversation is handled out of order or twice
    // at once (the recorder fails the test if it is).
    let flow = publish(&t, &conversations, 0, 4);
    let joining = async {
        (
            replica(&t, &config, 1, &in_flight, &done).await,
            replica(&t, &config, 2, &in_flight, &done).await,
        )
    };
    let ((), (second, third)) = tokio::join!(flow, joining);
    shares(&[&first, &second, &third], &[2, 2, 2]).await;
    publish(&t, &conversations, 4, 2).await;
    let (seen, replicas) = handled(&mut rx, 60 * 6).await;
    for (conversation, order) in &seen {
        assert_eq!(
            order,
            &(0..6).collect::<Vec<_>>(),
            "{conversation} out of order"
        );
    }
    assert_eq!(seen.len(), 60);
    assert_eq!(
        replicas,
        BTreeSet::from([0, 1, 2]),
        "every replica handles some conversations"
    );

    // One leaves: the other two take its shards over and nothing is lost.
    first.shutdown().await;
    shares(&[&second, &third], &[3, 3]).await;
    publish(&t, &conversations, 6, 2).await;
    let (seen, replicas) = handled(&mut rx, 60 * 2).await;
    assert!(seen.values().all(|order| order == &[6, 7]));
    assert_eq!(replicas, BTreeSet::from([1, 2]));

    second.shutdown().await;
    third.shutdown().await;
    crate::support::silent(&mut rx, 300).await;
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
