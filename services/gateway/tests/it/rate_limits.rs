//! The shoppers' buckets taken in batches (`db::rate_limits::takes`) on a
//! real PostgreSQL: each ask gets its own bucket's answer, and asks of one
//! bucket at once never take more than the bucket holds.

use std::time::Duration;

use gateway::{
    db::{self, rate_limits},
    domain::rate_limit::Rate,
};

async fn pool() -> sqlx::PgPool {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    pool
}

#[tokio::test]
async fn shoppers_asking_at_once_each_get_their_own_buckets_answer() {
    let pool = pool().await;
    let rate = Rate::new(2, Duration::from_secs(60)).unwrap();
    // Shopper n has already spent n % 3 tokens of 2.
    for n in 0..60u32 {
        for _ in 0..n % 3 {
            rate_limits::take(&pool, &format!("shopper:{n}"), rate, 1)
                .await
                .unwrap()
                .unwrap();
        }
    }
    let takes = rate_limits::takes(pool.clone(), rate, 1);
    let answers = futures::future::join_all((0..60u32).map(|n| {
        let takes = takes.clone();
        async move { (n, takes.ask(vec![(format!("shopper:{n}"), 1)]).await) }
    }))
    .await;
    for (n, answer) in answers {
        let taken = answer.unwrap().remove(0);
        match n % 3 {
            0 | 1 => assert_eq!(taken, Ok(()), "shopper {n} had a token left"),
            _ => {
                let limited = taken.expect_err("the shopper had spent the bucket");
                assert!(
                    limited.retry_after > Duration::from_secs(50)
                        && limited.retry_after <= Duration::from_secs(60),
                    "shopper {n}: retry after {:?}",
                    limited.retry_after
                );
            }
        }
    }
}

#[tokio::test]
async fn asks_of_one_bucket_at_once_take_no_more_than_it_holds() {
    let pool = pool().await;
    let rate = Rate::new(3, Duration::from_secs(60)).unwrap();
    let takes = rate_limits::takes(pool.clone(), rate, 2);
    let answers = futures::future::join_all((0..10).map(|_| {
        let takes = takes.clone();
        async move {
            takes
                .ask(vec![("busy".to_owned(), 1), ("quiet".to_owned(), 1)])
                .await
                .unwrap()
        }
    }))
    .await;
    let busy_taken = answers.iter().filter(|a| a[0].is_ok()).count();
    assert_eq!(busy_taken, 3, "a bucket of 3 gave {busy_taken} tokens");
    let quiet_taken = answers.iter().filter(|a| a[1].is_ok()).count();
    assert_eq!(quiet_taken, 3);
    // The one-at-a-time take agrees: the bucket is empty.
    assert!(
        rate_limits::take(&pool, "busy", rate, 1)
            .await
            .unwrap()
            .is_err()
    );
}
