//! The deduplication ledger on a real PostgreSQL: keys are per tenant and
//! channel, expire, and expired rows are purged.

use std::time::Duration;

use gateway::db::{
    self,
    dedup::{Seen, claim, purge_expired},
};

#[tokio::test]
async fn a_key_is_seen_once_per_tenant_and_channel_until_it_expires() {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let day = Duration::from_secs(86_400);

    let first = claim(&mut conn, "shop", "whatsapp", "wamid.1", day)
        .await
        .unwrap();
    let again = claim(&mut conn, "shop", "whatsapp", "wamid.1", day)
        .await
        .unwrap();
    let other_tenant = claim(&mut conn, "other", "whatsapp", "wamid.1", day)
        .await
        .unwrap();
    let other_channel = claim(&mut conn, "shop", "telegram", "wamid.1", day)
        .await
        .unwrap();

    assert_eq!((first, again), (Seen::First, Seen::Duplicate));
    assert_eq!((other_tenant, other_channel), (Seen::First, Seen::First));
}

#[tokio::test]
async fn an_expired_key_is_new_again_and_purged() {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    claim(&mut conn, "shop", "whatsapp", "wamid.old", Duration::ZERO)
        .await
        .unwrap();
    claim(
        &mut conn,
        "shop",
        "whatsapp",
        "wamid.kept",
        Duration::from_secs(60),
    )
    .await
    .unwrap();

    // Each statement runs in its own transaction, so `now()` has moved on.
    let reclaimed = claim(&mut conn, "shop", "whatsapp", "wamid.old", Duration::ZERO)
        .await
        .unwrap();
    let purged = purge_expired(&pool).await.unwrap();
    let kept = claim(
        &mut conn,
        "shop",
        "whatsapp",
        "wamid.kept",
        Duration::from_secs(60),
    )
    .await
    .unwrap();

    assert_eq!(reclaimed, Seen::First);
    assert_eq!(purged, 1);
    assert_eq!(kept, Seen::Duplicate);
}
