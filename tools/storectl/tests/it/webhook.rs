//! `storectl webhook` against a fake gateway: the real channel fixtures go
//! out byte for byte, with the exact signature or secret header.

use std::path::PathBuf;

use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use storectl::webhook::{Channel, send_file};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_bytes, header, method, path},
};

fn fixture(name: &str) -> PathBuf {
    let file = store_testkit::fixture_path(name);
    assert!(file.is_file(), "fixture not found at {}", file.display());
    file
}

/// The signature computed independently of storectl's code.
fn expected_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn whatsapp_fixtures_are_sent_unchanged_with_meta_s_signature() {
    let server = MockServer::start().await;
    for name in [
        "whatsapp/text.json",
        "whatsapp/interactive_list_reply.json",
        "whatsapp/status_failed.json",
    ] {
        let file = fixture(name);
        let bytes = std::fs::read(&file).unwrap();
        let _guard = Mock::given(method("POST"))
            .and(path("/webhooks/whatsapp/demo"))
            .and(header("content-type", "application/json"))
            .and(header(
                "x-hub-signature-256",
                expected_signature("app-secret-1", &bytes).as_str(),
            ))
            .and(body_bytes(bytes.clone()))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"accepted":1}"#))
            .expect(1)
            .mount_as_scoped(&server)
            .await;

        let outcome = send_file(
            &server.uri(),
            Channel::Whatsapp,
            "demo",
            &file,
            &SecretString::from("app-secret-1".to_owned()),
        )
        .await
        .unwrap();

        assert_eq!(outcome.status, 200, "{name}: {}", outcome.body);
        assert_eq!(outcome.body, r#"{"accepted":1}"#);
    }
}

#[tokio::test]
async fn telegram_fixtures_carry_the_secret_token_header() {
    let server = MockServer::start().await;
    let file = fixture("telegram/callback_query.json");
    let bytes = std::fs::read(&file).unwrap();
    Mock::given(method("POST"))
        .and(path("/webhooks/telegram/demo"))
        .and(header("content-type", "application/json"))
        .and(header("x-telegram-bot-api-secret-token", "tg-secret"))
        .and(body_bytes(bytes))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"method":"answerCallbackQuery"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;

    let outcome = send_file(
        &server.uri(),
        Channel::Telegram,
        "demo",
        &file,
        &SecretString::from("tg-secret".to_owned()),
    )
    .await
    .unwrap();

    assert_eq!(outcome.status, 200);
    assert!(outcome.into_result().is_ok());
}

#[tokio::test]
async fn a_refused_signature_is_a_failure_with_advice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            r#"{"code":"unauthorized","detail":"missing or invalid X-Hub-Signature-256"}"#,
        ))
        .mount(&server)
        .await;

    let outcome = send_file(
        &server.uri(),
        Channel::Whatsapp,
        "demo",
        &fixture("whatsapp/text.json"),
        &SecretString::from("wrong".to_owned()),
    )
    .await
    .unwrap();

    assert_eq!(outcome.status, 401);
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("WHATSAPP_APP_SECRET")
    );
    let error = outcome.into_result().unwrap_err().to_string();
    assert!(
        error.contains("missing or invalid X-Hub-Signature-256"),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_json_is_refused_with_its_position_before_sending() {
    let file = std::env::temp_dir().join(format!("storectl-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(
        &file,
        "{\n  \"object\": \"whatsapp_business_account\",\n  oops\n}",
    )
    .unwrap();

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_storectl"))
        .args(["webhook", "whatsapp"])
        .arg(&file)
        .args([
            "--tenant",
            "demo",
            "--app-secret",
            "s3cret-value",
            "--gateway",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not JSON") && stderr.contains("line 3, column 3"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cret-value"),
        "the secret is never printed"
    );
}
