//! Abuse protection of the web chat on the real broker and database:
//! messages limited per session, new sessions per client address (429 with
//! `Retry-After`), shared by every replica, the client address behind the
//! trusted proxies, and idle sessions expiring and being swept.

use std::time::Duration;

use crate::support::webchat::{create_session, open_session, post_message, say, spawn_configured};
use gateway::domain::rate_limit::Rate;
use serde_json::{Value, json};
use store_service::client_ip::TrustedProxies;

fn low_limits(config: &mut gateway::Config) {
    config.webchat.message_rate = Rate::new(3, Duration::from_secs(60)).unwrap();
    config.webchat.session_rate = Rate::new(2, Duration::from_secs(60)).unwrap();
    config.webchat.sweep_every = Duration::from_millis(200);
}

#[tokio::test]
async fn a_message_over_the_burst_answers_429_and_publishes_nothing() {
    let mut app = spawn_configured(low_limits).await;
    let session = open_session(&app, "fashion").await;
    let first = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "one", "client_message_id": "c-1" }),
    )
    .await;
    assert_eq!(first.status(), 202);
    say(&app, &session, "two").await;
    say(&app, &session, "three").await;
    for _ in 0..3 {
        app.next_of("store.chat.message.new").await;
    }

    let over = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "four", "client_message_id": "c-4" }),
    )
    .await;
    let retry = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "one", "client_message_id": "c-1" }),
    )
    .await;
    let other_session = open_session(&app, "fashion").await;
    let other = say(&app, &other_session, "a shopper of their own").await;

    assert_eq!(over.status(), 429);
    let wait: u64 = over.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    assert_eq!(
        over.json::<Value>().await.unwrap(),
        json!({ "code": "rate_limited", "detail": format!("too many requests; try again in {wait} s") })
    );
    assert_eq!(retry.status(), 202, "a duplicate costs no token");
    assert_eq!(retry.json::<Value>().await.unwrap()["duplicate"], true);
    assert_eq!(other["seq"], 1, "another session has a bucket of its own");
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(data["content"]["text"], "a shopper of their own");
    app.expect_no_event(Duration::from_millis(500)).await;
    let refused: i64 =
        sqlx::query_scalar("select count(*) from webchat_entry where client_message_id = 'c-4'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(refused, 0, "the refused message was not recorded");
    app.stop().await;
}

#[tokio::test]
async fn sessions_are_limited_per_client_address() {
    let app = spawn_configured(low_limits).await;
    let open = || create_session(&app.address, "shop", json!({ "brand": "fashion" }));
    let refused_brand = create_session(&app.address, "shop", json!({ "brand": "bread" })).await;

    let first = open().await;
    let second = open().await;
    let third = open().await;
    // Without trusted proxies a client cannot pick its address.
    let forged = app
        .http
        .post(format!("{}/chat/shop/sessions", app.address))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({ "brand": "fashion" }))
        .send()
        .await
        .unwrap();

    assert_eq!(
        refused_brand.status(),
        400,
        "a refused request costs no token"
    );
    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), 201);
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    assert_eq!(third.json::<Value>().await.unwrap()["code"], "rate_limited");
    assert_eq!(forged.status(), 429);
    let sessions: i64 = sqlx::query_scalar("select count(*) from webchat_session")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 2);
    app.stop().await;
}

#[tokio::test]
async fn forwarded_for_names_the_client_behind_the_trusted_proxies() {
    fn trusted(config: &mut gateway::Config) {
        low_limits(config);
        // The tests' requests come from loopback: the ingress here, behind
        // a load balancer in 10.0.0.0/8.
        config.webchat.trusted_proxies =
            TrustedProxies::parse("127.0.0.1, ::1, 10.0.0.0/8").unwrap();
    }
    let app = spawn_configured(trusted).await;
    let open = |forwarded: String| {
        app.http
            .post(format!("{}/chat/shop/sessions", app.address))
            .header("x-forwarded-for", forwarded)
            .json(&json!({ "brand": "fashion" }))
            .send()
    };

    // A client writing a new address at the left each time is still the
    // address the load balancer saw.
    let mut statuses = Vec::new();
    for n in 0..3 {
        let forwarded = format!("6.6.6.{n}, 203.0.113.1, 10.0.0.1");
        statuses.push(open(forwarded).await.unwrap().status());
    }
    statuses.push(
        open("203.0.113.2, 10.0.0.1".to_owned())
            .await
            .unwrap()
            .status(),
    );

    assert_eq!(statuses, [201, 201, 429, 201]);
    app.stop().await;
}

#[tokio::test]
async fn a_sessions_limit_holds_across_replicas() {
    let mut app = spawn_configured(low_limits).await;
    let replica = app.spawn_replica().await;
    let session = open_session(&app, "fashion").await;
    let post = |address: String, n: u32| {
        let session = &session;
        async move {
            post_message(
                &address,
                "shop",
                session,
                &session.token,
                json!({ "text": format!("message {n}"), "client_message_id": format!("c-{n}") }),
            )
            .await
            .status()
        }
    };

    // Three tokens in all, taken on either replica.
    let statuses = [
        post(app.address.clone(), 1).await,
        post(replica.address.clone(), 2).await,
        post(replica.address.clone(), 3).await,
        post(replica.address.clone(), 4).await,
        post(app.address.clone(), 5).await,
    ];

    assert_eq!(statuses, [202, 202, 202, 429, 429]);
    for _ in 0..3 {
        app.next_of("store.chat.message.new").await;
    }
    app.expect_no_event(Duration::from_millis(500)).await;
    replica.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_expired_session_answers_404_and_is_swept() {
    let app = spawn_configured(low_limits).await;
    let expired = open_session(&app, "fashion").await;
    say(&app, &expired, "hello").await;
    let active = open_session(&app, "fashion").await;
    // Idle for longer than the default 30 days.
    sqlx::query(
        "update webchat_session set last_active_at = now() - interval '721 hours' where id = $1",
    )
    .bind(uuid::Uuid::parse_str(&expired.id).unwrap())
    .execute(&app.pool)
    .await
    .unwrap();

    let transcript = app
        .http
        .get(format!("{}/chat/shop/sessions/{}", app.address, expired.id))
        .bearer_auth(&expired.token)
        .send()
        .await
        .unwrap();
    let message = post_message(
        &app.address,
        "shop",
        &expired,
        &expired.token,
        json!({ "text": "still there?" }),
    )
    .await;

    assert_eq!(transcript.status(), 404);
    assert_eq!(
        transcript.json::<Value>().await.unwrap()["code"],
        "not_found"
    );
    assert_eq!(message.status(), 404);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<String> = sqlx::query_scalar("select id::text from webchat_session")
            .fetch_all(&app.pool)
            .await
            .unwrap();
        if left == [active.id.clone()] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expired session was not swept: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let entries: i64 = sqlx::query_scalar("select count(*) from webchat_entry")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(entries, 0, "the transcript went with the session");
    app.stop().await;
}
