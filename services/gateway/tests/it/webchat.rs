//! The web chat API on the real broker and database: sessions, shopper
//! messages published as `store.chat.message.new`, duplicates, refusals,
//! outages, the page, the widget and CORS. Live streams are in
//! `webchat_live.rs`.

use std::time::Duration;

use crate::support::{
    ALLOWED_ORIGIN, Options, TestApp, proxy,
    webchat::{create_session, ext, open_session, post_message, say, spawn, transcript},
};
use serde_json::{Value, json};
use store_events::AttributesReader;

#[tokio::test]
async fn a_session_is_created_with_a_conversation_and_an_empty_transcript() {
    let app = spawn().await;

    let session = open_session(&app, "tech").await;
    let body = transcript(&app.address, &session).await;

    assert_eq!(session.conversation, format!("webchat:tech:{}", session.id));
    assert_eq!(
        uuid::Uuid::parse_str(&session.id)
            .unwrap()
            .get_version_num(),
        7
    );
    assert_eq!(session.token.len(), 64);
    assert_eq!(
        body,
        json!({ "session_id": session.id, "brand": "tech", "conversation_id": session.conversation, "messages": [] })
    );
    let stored: Vec<u8> = sqlx::query_scalar("select token_sha256 from webchat_session")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(
        stored,
        session.token.as_bytes(),
        "the token itself is never stored"
    );
    assert_eq!(stored.len(), 32);
    app.stop().await;
}

#[tokio::test]
async fn brands_are_listed_in_the_web_chat_order() {
    let app = spawn().await;

    let body: Value = app
        .http
        .get(format!("{}/chat/shop/brands", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(
        body,
        json!({
            "tenant": { "id": "shop", "name": "Test Shop" },
            "brands": [
                { "id": "fashion", "name": "Fashion", "description": "Clothes" },
                { "id": "tech", "name": "Tech", "description": null }
            ]
        })
    );
    app.stop().await;
}

#[tokio::test]
async fn a_message_is_published_as_chat_message_new_and_kept_in_the_transcript() {
    let mut app = spawn().await;
    let session = open_session(&app, "fashion").await;

    let accepted = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "  Do you have red sneakers?  ", "client_message_id": "c-1" }),
    )
    .await;
    let pick = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "reply": { "id": "size:42", "title": "Size 42" }, "client_message_id": "c-2" }),
    )
    .await;

    assert_eq!(accepted.status(), 202);
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["seq"], 1);
    assert_eq!(accepted["duplicate"], false);
    let (event, data, key) = app.next_of("store.chat.message.new").await;
    assert_eq!(key, "store.chat.message.new.shop.fashion");
    assert_eq!(ext(&event, "tenant"), "shop");
    assert_eq!(ext(&event, "brand"), "fashion");
    assert_eq!(ext(&event, "conversation"), session.conversation);
    assert_eq!(event.source().to_string(), "/agent-store/gateway");
    assert_eq!(data["message_id"], accepted["message_id"]);
    assert_eq!(data["channel"], "webchat");
    assert_eq!(data["channel_message_id"], "c-1");
    assert_eq!(
        data["customer"],
        json!({ "id": session.id, "display_name": "Ana" })
    );
    assert_eq!(
        data["content"],
        json!({ "kind": "text", "text": "Do you have red sneakers?" })
    );
    assert_eq!(pick.status(), 202);
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(
        data["content"],
        json!({ "kind": "interactive_reply", "reply_id": "size:42", "title": "Size 42" })
    );
    let messages = transcript(&app.address, &session).await["messages"].clone();
    assert_eq!(messages.as_array().unwrap().len(), 2);
    assert_eq!(messages[0]["seq"], 1);
    assert_eq!(messages[0]["from"], "shopper");
    assert_eq!(
        messages[0]["parts"],
        json!([{ "kind": "text", "text": "Do you have red sneakers?" }])
    );
    assert!(messages[0]["sent_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(messages[1]["seq"], 2);
    assert_eq!(
        messages[1]["parts"],
        json!([{ "kind": "text", "text": "Size 42" }])
    );
    app.stop().await;
}

#[tokio::test]
async fn the_same_client_message_id_is_accepted_once() {
    let mut app = spawn().await;
    let session = open_session(&app, "fashion").await;
    let body = json!({ "text": "hello", "client_message_id": "retry-me" });

    let first = post_message(&app.address, "shop", &session, &session.token, body.clone()).await;
    let second = post_message(&app.address, "shop", &session, &session.token, body).await;
    say(&app, &session, "after the retry").await;

    let first: Value = first.json().await.unwrap();
    assert_eq!(second.status(), 202);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["duplicate"], false);
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["seq"], first["seq"]);
    assert_eq!(second["message_id"], first["message_id"]);
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(data["content"]["text"], "hello");
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(
        data["content"]["text"], "after the retry",
        "the retry was published again"
    );
    let messages = transcript(&app.address, &session).await["messages"].clone();
    assert_eq!(messages.as_array().unwrap().len(), 2);
    let metrics = reqwest::get(format!("{}/metrics", app.operator))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for outcome in ["published", "duplicate"] {
        let counter = format!("channel=\"webchat\",outcome=\"{outcome}\"");
        assert!(metrics.contains(&counter), "no {counter} in the metrics");
    }
    app.stop().await;
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_reason() {
    let app = spawn().await;
    let session = open_session(&app, "fashion").await;
    let other = open_session(&app, "tech").await;
    let get = |url: String| {
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };

    let wrong_token = post_message(
        &app.address,
        "shop",
        &session,
        &other.token,
        json!({ "text": "hi" }),
    )
    .await;
    let no_token = get(format!("{}/chat/shop/sessions/{}", app.address, session.id)).await;
    let bad_query_token = get(format!(
        "{}/chat/shop/sessions/{}/events?token=nope",
        app.address, session.id
    ))
    .await;
    let other_tenant = post_message(
        &app.address,
        "other",
        &session,
        &session.token,
        json!({ "text": "hi" }),
    )
    .await;
    let unknown_session = get(format!(
        "{}/chat/shop/sessions/{}?token={}",
        app.address,
        uuid::Uuid::now_v7(),
        session.token
    ))
    .await;
    let no_webchat = [
        get(format!("{}/chat/nochat", app.address)).await,
        get(format!("{}/chat/nochat/brands", app.address)).await,
        get(format!("{}/chat/nochat/widget.js", app.address)).await,
        create_session(&app.address, "nochat", json!({ "brand": "tea" })).await,
        get(format!("{}/chat/nobody/brands", app.address)).await,
    ];
    let unknown_brand = create_session(&app.address, "shop", json!({ "brand": "bread" })).await;
    let empty = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "  " }),
    )
    .await;
    let longest = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "é".repeat(4097) }),
    )
    .await;
    let neither = post_message(&app.address, "shop", &session, &session.token, json!({})).await;
    let not_json = app
        .http
        .post(format!(
            "{}/chat/shop/sessions/{}/messages",
            app.address, session.id
        ))
        .bearer_auth(&session.token)
        .body("text=hi")
        .send()
        .await
        .unwrap();
    let too_large = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "x".repeat(70_000) }),
    )
    .await;

    assert_eq!(wrong_token.status(), 401);
    assert_eq!(
        wrong_token.json::<Value>().await.unwrap(),
        json!({ "code": "unauthorized", "detail": "invalid session token" })
    );
    assert_eq!(no_token.status(), 401);
    assert_eq!(bad_query_token.status(), 401);
    assert_eq!(other_tenant.status(), 404);
    assert_eq!(unknown_session.status(), 404);
    for response in no_webchat {
        assert_eq!(response.status(), 404, "{}", response.url());
        let body = response.json::<Value>().await.unwrap();
        assert_eq!(body["code"], "not_found", "{body}");
        assert!(body["detail"].is_string(), "{body}");
    }
    assert_eq!(unknown_brand.status(), 400);
    assert_eq!(
        unknown_brand.json::<Value>().await.unwrap()["detail"],
        "unknown brand \"bread\""
    );
    assert_eq!(empty.status(), 400);
    assert_eq!(
        empty.json::<Value>().await.unwrap()["detail"],
        "text is empty"
    );
    assert_eq!(longest.status(), 400);
    assert_eq!(neither.status(), 400);
    // A body that is not JSON by its content type is not read at all.
    assert_eq!(not_json.status(), 415);
    assert_eq!(too_large.status(), 413);
    let entries: i64 = sqlx::query_scalar("select count(*) from webchat_entry")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(entries, 0, "nothing refused was recorded");
    app.stop().await;
}

#[tokio::test]
async fn with_the_broker_down_a_message_answers_503_and_nothing_is_recorded() {
    let upstream = proxy::host_port(&store_testkit::amqp_url());
    let proxy = proxy::Proxy::start(upstream).await;
    let app = TestApp::spawn_with(Options {
        amqp_url: Some(proxy::via(&store_testkit::amqp_url(), proxy.port)),
        bindings: Some(vec!["store.chat.message.new.#".to_owned()]),
        ..Options::default()
    })
    .await;
    let session = open_session(&app, "fashion").await;

    proxy.cut();
    let response = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "hello?", "client_message_id": "c-1" }),
    )
    .await;

    assert_eq!(response.status(), 503);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "code": "unavailable", "detail": "temporarily unavailable" })
    );
    let messages = transcript(&app.address, &session).await["messages"].clone();
    assert_eq!(messages, json!([]));
    app.stop().await;
}

#[tokio::test]
async fn with_the_database_down_a_message_answers_503_and_nothing_is_published() {
    let upstream = proxy::postgres_host_port(&store_testkit::database_url());
    let proxy = proxy::Proxy::start(upstream).await;
    let mut app = TestApp::spawn_with(Options {
        bindings: Some(vec!["store.chat.message.new.#".to_owned()]),
        postgres_port: Some(proxy.port),
        ..Options::default()
    })
    .await;
    let session = open_session(&app, "fashion").await;

    proxy.cut();
    let response = post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "hello?", "client_message_id": "c-1" }),
    )
    .await;

    assert_eq!(response.status(), 503);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "unavailable"
    );
    app.expect_no_event(Duration::from_secs(1)).await;
    let entries: i64 = sqlx::query_scalar("select count(*) from webchat_entry")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(entries, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_page_its_assets_and_the_widget_are_served() {
    let app = spawn().await;
    let get = |path: &str| app.http.get(format!("{}{path}", app.address)).send();

    let page = get("/chat/shop?brand=fashion").await.unwrap();
    let script = get("/chat/shop/chat.js").await.unwrap();
    let style = get("/chat/shop/chat.css").await.unwrap();
    let widget = get("/chat/shop/widget.js").await.unwrap();

    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {ALLOWED_ORIGIN}")),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // A tenant that lists no origins can be framed by any site (the widget).
    let open = get("/chat/other").await.unwrap();
    let open_csp = open.headers()["content-security-policy"].to_str().unwrap();
    assert!(open_csp.ends_with("frame-ancestors *"), "{open_csp}");
    let html = page.text().await.unwrap();
    for needle in [
        "id=\"message\"",
        "id=\"send\"",
        "id=\"transcript\"",
        "data-tenant=\"shop\"",
        "src=\"shop/chat.js\"",
        "<title>Test Shop · Chat</title>",
    ] {
        assert!(html.contains(needle), "the page lacks {needle}");
    }
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(script.text().await.unwrap().contains("EventSource"));
    assert_eq!(style.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(widget.status(), 200);
    assert_eq!(
        widget.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(widget.text().await.unwrap().contains("embed"));
    app.stop().await;
}

#[tokio::test]
async fn cors_answers_the_tenants_allowed_origins_only() {
    let app = spawn().await;
    let preflight = |origin: &'static str| {
        app.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/chat/shop/sessions", app.address),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let brands = |origin: &'static str| {
        app.http
            .get(format!("{}/chat/shop/brands", app.address))
            .header("origin", origin)
            .send()
    };

    let allowed = preflight(ALLOWED_ORIGIN).await.unwrap();
    let refused = preflight("https://evil.example.com").await.unwrap();
    let allowed_get = brands(ALLOWED_ORIGIN).await.unwrap();
    let other_get = brands("https://evil.example.com").await.unwrap();

    assert_eq!(allowed.status(), 204);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        ALLOWED_ORIGIN
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(headers.contains("authorization") && headers.contains("content-type"));
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(allowed_get.status(), 200);
    assert_eq!(
        allowed_get.headers()["access-control-allow-origin"],
        ALLOWED_ORIGIN
    );
    assert_eq!(other_get.status(), 200);
    assert!(
        other_get
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    app.stop().await;
}
