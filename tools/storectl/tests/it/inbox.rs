//! `storectl inbox owner` against a fake sales assistant operator endpoint
//! speaking its real route and JSON
//! (services/sales-assistant/src/http/operator.rs), run as the real binary.

use std::process::{Command, Output};

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, header, method, path},
};

async fn storectl(args: Vec<String>, token: Option<&str>) -> Output {
    let token = token.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_storectl"));
        command
            .args(args)
            .env_remove("ADMIN_TOKEN")
            .env_remove("STORE_ADMIN_TOKEN")
            .env_remove("STORE_INBOX_OPERATOR");
        if let Some(token) = token {
            command.env("ADMIN_TOKEN", token);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

fn args(operator: &str, extra: &[&str]) -> Vec<String> {
    [
        "inbox",
        "owner",
        "--tenant",
        "demo",
        "--email",
        "ana@shop.test",
        "--name",
        "Ana",
        "--operator",
        operator,
    ]
    .iter()
    .chain(extra)
    .map(|s| (*s).to_owned())
    .collect()
}

#[tokio::test]
async fn with_a_password_file_the_owner_is_created_and_the_sign_in_page_printed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/tenants/demo/owners"))
        .and(header("authorization", "Bearer op-token"))
        .and(body_json(
            json!({"email": "ana@shop.test", "name": "Ana", "password": "a long password"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "tenant": "demo",
            "account_id": "0195f3a2-7c1e-7d42-9a8b-1c2d3e4f5a6b",
            "email": "ana@shop.test",
            "sign_in_url": "http://127.0.0.1:8083/inbox/sign-in"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = std::env::temp_dir().join(format!("storectl-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "a long password\n").unwrap();

    let output = storectl(
        args(&server.uri(), &["--password-file", file.to_str().unwrap()]),
        Some("op-token"),
    )
    .await;

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        "Owner ana@shop.test of demo created. Sign in at:\nhttp://127.0.0.1:8083/inbox/sign-in\n"
    );
    assert!(!stdout.contains("a long password"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn without_a_password_the_invitation_link_is_printed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/tenants/demo/owners"))
        .and(body_json(json!({"email": "ana@shop.test", "name": "Ana"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "tenant": "demo",
            "email": "ana@shop.test",
            "invitation_url": "https://inbox.shop.test/inbox/invitations/tok",
            "expires_at": "2026-12-11T10:00:00Z"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let output = storectl(args(&server.uri(), &[]), Some("op-token")).await;

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Invitation for ana@shop.test, owner of demo (works once, until 2026-12-11T10:00:00Z). Send them this link:\nhttps://inbox.shop.test/inbox/invitations/tok\n"
    );
}

#[tokio::test]
async fn refusals_are_explained() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/tenants/demo/owners"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "code": "conflict", "detail": "ana@shop.test already has an account"
        })))
        .mount(&server)
        .await;
    let public_port = MockServer::start().await;

    let no_token = storectl(args(&server.uri(), &[]), None).await;
    let taken = storectl(args(&server.uri(), &[]), Some("op-token")).await;
    let wrong_port = storectl(args(&public_port.uri(), &[]), Some("op-token")).await;

    assert_eq!(no_token.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("STORE_ADMIN_TOKEN or ADMIN_TOKEN"));
    assert_eq!(taken.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&taken.stderr).contains(
            "creating the owner failed: 409 Conflict: ana@shop.test already has an account"
        ),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    assert_eq!(wrong_port.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong_port.stderr).contains("is that the operator port"));
}
