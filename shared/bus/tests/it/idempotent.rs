//! A redelivered event has no second effect: a consumer whose handler guards
//! its write with the idempotency ledger, fed the same event twice.

use std::time::Duration;

use crate::support::{TestBus, recv};
use cloudevents::AttributesReader;
use store_bus::{ConsumerConfig, Handler, HandlerError, Incoming};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct Recorder {
    pool: sqlx::PgPool,
    done: mpsc::UnboundedSender<store_idempotency::Claim>,
}

#[async_trait::async_trait]
impl Handler for Recorder {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let mut tx = self.pool.begin().await.map_err(HandlerError::retry)?;
        let event = &incoming.event;
        let claim = store_idempotency::claim(&mut tx, "recorder", event.id(), event.ty())
            .await
            .map_err(HandlerError::retry)?;
        if claim == store_idempotency::Claim::First {
            sqlx::query("insert into effect (event_id) values ($1)")
                .bind(event.id())
                .execute(&mut *tx)
                .await
                .map_err(HandlerError::retry)?;
        }
        tx.commit().await.map_err(HandlerError::retry)?;
        let _ = self.done.send(claim);
        Ok(())
    }
}

#[tokio::test]
async fn a_redelivered_event_has_no_second_effect() {
    let pool = store_testkit::fresh_database().await.unwrap();
    store_idempotency::migrate(&pool).await.unwrap();
    sqlx::query("create table effect (event_id text not null)")
        .execute(&pool)
        .await
        .unwrap();
    let t = TestBus::new().await;
    let (done, mut rx) = mpsc::unbounded_channel();
    let consumer = t
        .bus
        .consume(
            ConsumerConfig::new(t.queue("ledger"), ["store.test.ping.#"])
                .with_retry_delays([Duration::from_millis(100)]),
            Recorder {
                pool: pool.clone(),
                done,
            },
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let event = t.ping(9);

    // The same event twice, as a publisher retry or a redelivery would.
    t.bus.publish(event.clone()).await.unwrap();
    t.bus.publish(event.clone()).await.unwrap();
    let first = recv(&mut rx, 10).await;
    let second = recv(&mut rx, 10).await;

    // The two deliveries may be handled concurrently: whichever claims
    // first has the effect, the other sees a duplicate (in either order of
    // reporting).
    let mut claims = [first, second];
    claims.sort_by_key(|c| *c != store_idempotency::Claim::First);
    assert_eq!(
        claims,
        [
            store_idempotency::Claim::First,
            store_idempotency::Claim::Duplicate
        ]
    );
    let effects: i64 = sqlx::query_scalar("select count(*) from effect")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(effects, 1);
    consumer.shutdown().await;
}
