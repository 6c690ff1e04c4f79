//! The deduplication ledger on a real PostgreSQL: keys are per tenant and
//! channel, expire, and expired rows are purged; the batch writer records
//! what it is handed.

use std::{collections::HashSet, time::Duration};

use gateway::db::{
    self,
    dedup::{Key, Recorder, known, purge_expired, record, seen},
};
use tokio_util::sync::CancellationToken;

fn key(tenant: &str, channel: &str, id: &str) -> Key {
    Key::new(tenant, channel, id)
}

#[tokio::test]
async fn a_key_is_seen_once_recorded_per_tenant_and_channel() {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let day = Duration::from_secs(86_400);
    let asked = [
        key("shop", "whatsapp", "wamid.1"),
        key("shop", "telegram", "wamid.1"),
    ];

    let before = seen(&db::dedup::lookups(pool.clone(), 2), &asked)
        .await
        .unwrap();
    record(&pool, &[key("shop", "whatsapp", "wamid.1")], day)
        .await
        .unwrap();
    let after = seen(&db::dedup::lookups(pool.clone(), 2), &asked)
        .await
        .unwrap();
    let other_tenant = seen(
        &db::dedup::lookups(pool.clone(), 2),
        &[key("other", "whatsapp", "wamid.1")],
    )
    .await
    .unwrap();

    assert!(before.is_empty());
    assert_eq!(after, HashSet::from([key("shop", "whatsapp", "wamid.1")]));
    assert!(other_tenant.is_empty());
}

#[tokio::test]
async fn recording_a_key_twice_in_one_batch_or_again_is_not_an_error() {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let day = Duration::from_secs(86_400);
    let k = key("shop", "whatsapp", "wamid.1");

    let first = record(&pool, &[k.clone(), k.clone()], day).await.unwrap();
    let again = record(&pool, &[k], day).await.unwrap();

    assert_eq!((first, again), (1, 0));
}

#[tokio::test]
async fn an_expired_key_is_new_again_and_purged() {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let old = key("shop", "whatsapp", "wamid.old");
    let kept = key("shop", "whatsapp", "wamid.kept");
    record(&pool, std::slice::from_ref(&old), Duration::ZERO)
        .await
        .unwrap();
    record(&pool, std::slice::from_ref(&kept), Duration::from_secs(60))
        .await
        .unwrap();

    let seen_now = seen(
        &db::dedup::lookups(pool.clone(), 2),
        &[old.clone(), kept.clone()],
    )
    .await
    .unwrap();
    let purged = purge_expired(&pool).await.unwrap();

    assert_eq!(seen_now, HashSet::from([kept]));
    assert_eq!(purged, 1);
}

#[tokio::test]
async fn the_writer_records_what_it_is_handed_and_what_is_left_at_shutdown() {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let shutdown = CancellationToken::new();
    let (recorder, task) = Recorder::start(pool.clone(), Duration::from_secs(60), shutdown.clone());
    let keys: Vec<Key> = (0..2500)
        .map(|i| key("shop", "whatsapp", &format!("wamid.{i}")))
        .collect();

    for chunk in keys.chunks(7) {
        recorder.record(chunk.to_vec()).await;
    }
    recorder.flush().await;
    let flushed = seen(&db::dedup::lookups(pool.clone(), 2), &keys)
        .await
        .unwrap()
        .len();
    recorder.record(vec![key("shop", "telegram", "late")]).await;
    shutdown.cancel();
    task.await.unwrap();
    let late = seen(
        &db::dedup::lookups(pool.clone(), 2),
        &[key("shop", "telegram", "late")],
    )
    .await
    .unwrap()
    .len();

    assert_eq!((flushed, late), (2500, 1));
}

#[tokio::test]
async fn lookups_asked_at_once_share_statements_and_each_gets_its_own_answer() {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let day = Duration::from_secs(86_400);
    // Every third key of each tenant is recorded.
    let recorded: Vec<Key> = (0..300)
        .filter(|n| n % 3 == 0)
        .flat_map(|n| {
            [
                key("shop", "whatsapp", &format!("wamid.{n}")),
                key("other", "telegram", &format!("1:{n}")),
            ]
        })
        .collect();
    record(&pool, &recorded, day).await.unwrap();
    // One statement at a time: the 300 asks queue and go in batches.
    let lookups = db::dedup::lookups(pool.clone(), 1);
    let answers = futures::future::join_all((0..300).map(|n| {
        let lookups = lookups.clone();
        async move {
            let asked = [
                key("shop", "whatsapp", &format!("wamid.{n}")),
                // Another tenant's recorded key under this tenant's name.
                key("shop", "telegram", &format!("1:{n}")),
                key("other", "telegram", &format!("1:{n}")),
            ];
            (n, seen(&lookups, &asked).await.unwrap())
        }
    }))
    .await;
    for (n, found) in answers {
        let expected: HashSet<Key> = if n % 3 == 0 {
            HashSet::from([
                key("shop", "whatsapp", &format!("wamid.{n}")),
                key("other", "telegram", &format!("1:{n}")),
            ])
        } else {
            HashSet::new()
        };
        assert_eq!(found, expected, "webhook {n}");
    }
}

/// A lookup whose snapshot predates a write that commits while it runs: it
/// answers "not recorded" for every key, and returns only once the
/// recorder has written (and so forgotten) every key it was handed.
struct SnapshotBeforeTheWrite(Recorder);

impl db::batch::Statement<Key, bool> for SnapshotBeforeTheWrite {
    async fn run(&self, keys: Vec<Key>) -> Result<Vec<bool>, sqlx::Error> {
        let answer = vec![false; keys.len()];
        self.0.flush().await;
        Ok(answer)
    }
}

#[tokio::test]
async fn a_key_written_while_its_copy_is_looked_up_is_still_known() {
    // The CI run of 2026-12-05 answered a redelivered fixture "delivered"
    // because the unwritten keys were read after the lookup: the write
    // committed in between and the key was in neither.
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let shutdown = CancellationToken::new();
    let (recorder, task) = Recorder::start(pool.clone(), Duration::from_secs(60), shutdown.clone());
    let wamid = key("shop", "whatsapp", "wamid.racing");
    recorder.record(vec![wamid.clone()]).await;
    let lookups = db::batch::Batcher::start(SnapshotBeforeTheWrite(recorder.clone()), 1);

    let known = known(&lookups, &recorder, std::slice::from_ref(&wamid))
        .await
        .unwrap();

    assert!(recorder.unwritten(std::slice::from_ref(&wamid)).is_empty());
    assert_eq!(known, HashSet::from([wamid]));
    shutdown.cancel();
    task.await.unwrap();
}
