//! The operator's endpoint for a tenant's first owner: only on the
//! operator port, only with the operator token.

use serde_json::json;
use store_testkit::tenants::ADMIN_TOKEN;

use crate::helpers::{TestApp, path_of};

#[tokio::test]
async fn with_a_password_the_owner_is_created_and_can_sign_in() {
    let app = TestApp::spawn().await;

    let (status, body) = app
        .operator_post(
            "acme",
            json!({"email": "Olga@Acme.test", "name": "Olga", "password": "a long password"}),
        )
        .await;
    let browser = app.anonymous_browser().await;
    let signed_in = browser.sign_in("olga@acme.test", "a long password").await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(body["email"], "olga@acme.test");
    assert_eq!(body["tenant"], "acme");
    assert_eq!(body["sign_in_url"], "http://inbox.test/inbox/sign-in");
    assert_eq!(signed_in.status(), 303);
    let role: String =
        sqlx::query_scalar("select role from seller_account where email = 'olga@acme.test'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(role, "owner");
    app.stop().await;
}

#[tokio::test]
async fn without_a_password_the_owner_gets_an_invitation_link_with_their_name() {
    let app = TestApp::spawn().await;

    let (status, body) = app
        .operator_post("acme", json!({"email": "pia@acme.test", "name": "Pia"}))
        .await;
    let link = path_of(body["invitation_url"].as_str().unwrap());
    let mut browser = app.anonymous_browser().await;
    let (_, page) = browser.get_page(&link).await;
    let accepted = browser
        .accept_invitation(&link, "Pia", "a long password")
        .await;

    assert_eq!(status, 201, "{body}");
    assert!(link.starts_with("/inbox/invitations/"));
    assert!(body["expires_at"].is_string());
    assert!(
        page.contains(r#"value="Pia""#),
        "the name is offered: {page}"
    );
    assert!(page.contains("invited as <strong>owner</strong>"));
    assert_eq!(accepted.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn the_endpoint_is_not_on_the_public_port() {
    let app = TestApp::spawn().await;

    let public = app
        .http
        .post(app.url("/admin/tenants/acme/owners"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"email": "x@acme.test", "name": "X", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    let status = |url: String| {
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap().status() }
    };
    let operator = format!("http://127.0.0.1:{}", app.operator_port);
    let public_metrics = status(app.url("/metrics")).await;
    let operator_metrics = status(format!("{operator}/metrics")).await;
    let operator_health = status(format!("{operator}/healthz")).await;

    assert_eq!(public.status(), 404);
    assert_eq!(public_metrics, 404, "/metrics is the operator's");
    assert_eq!(operator_metrics, 200);
    assert_eq!(operator_health, 200, "probes answer on both ports");
    let accounts: i64 = sqlx::query_scalar("select count(*) from seller_account")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
    app.stop().await;
}

#[tokio::test]
async fn only_the_operator_token_opens_it_and_bad_input_is_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let url = format!(
        "http://127.0.0.1:{}/admin/tenants/acme/owners",
        app.operator_port
    );
    let body = json!({"email": "q@acme.test", "name": "Q", "password": "a long password"});

    let no_token = app.http.post(&url).json(&body).send().await.unwrap();
    let wrong = app
        .http
        .post(&url)
        .bearer_auth("guess")
        .json(&body)
        .send()
        .await
        .unwrap();
    let short = app
        .operator_post(
            "acme",
            json!({"email": "q@acme.test", "name": "Q", "password": "short"}),
        )
        .await;
    let bad_tenant = app
        .operator_post("Not A Tenant", json!({"email": "q@acme.test", "name": "Q"}))
        .await;
    let created = app.operator_post("acme", body.clone()).await;
    let twice = app.operator_post("globex", body).await;

    assert_eq!(no_token.status(), 401);
    assert_eq!(wrong.status(), 401);
    assert_eq!(short.0, 422);
    assert_eq!(short.1["detail"], "A password has at least 10 characters");
    assert_eq!(bad_tenant.0, 422, "{}", bad_tenant.1);
    assert_eq!(created.0, 201);
    assert_eq!(twice.0, 409);
    assert_eq!(twice.1["detail"], "q@acme.test already has an account");
    app.stop().await;
}
