//! Hostile input at every edge of the gateway: the WhatsApp and Telegram
//! webhooks and the web chat. Each case must be answered with the right 4xx
//! in the house's error body (`{"code", "detail"}`, a clear detail) and
//! leave nothing behind: no deduplication row, no transcript entry, no
//! event on the exchange.

use std::time::Duration;

use gateway::domain::signature::whatsapp_signature;
use reqwest::{
    Method,
    header::{HeaderMap, HeaderName, HeaderValue},
};
use serde_json::{Value, json};

use crate::support::{APP_SECRET, TG_SECRET, TestApp, fixture, webchat};

/// One hostile request and the answer it must get.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    headers: Vec<(&'static str, HeaderValue)>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn case(name: &'static str, path: impl Into<String>, body: Vec<u8>) -> Case {
    Case {
        name,
        method: Method::POST,
        path: path.into(),
        headers: vec![("content-type", HeaderValue::from_static("application/json"))],
        body,
        status: 400,
        code: "malformed_payload",
    }
}

impl Case {
    fn header(mut self, name: &'static str, value: HeaderValue) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value));
        self
    }

    fn header_str(self, name: &'static str, value: &str) -> Self {
        self.header(name, HeaderValue::from_str(value).unwrap())
    }

    /// Signed for tenant `shop`'s WhatsApp numbers.
    fn signed(self) -> Self {
        let signature = whatsapp_signature(APP_SECRET, &self.body);
        self.header_str("x-hub-signature-256", &signature)
    }

    fn expect(mut self, status: u16, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }
}

/// Sends every case and checks its answer and that nothing was kept.
async fn refuse_all(app: &mut TestApp, cases: Vec<Case>) {
    assert!(!cases.is_empty());
    for case in cases {
        let mut headers = HeaderMap::new();
        for (name, value) in &case.headers {
            headers.append(HeaderName::from_static(name), value.clone());
        }
        let response = app
            .http
            .request(case.method.clone(), format!("{}{}", app.address, case.path))
            .headers(headers)
            .body(case.body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(
            status, case.status,
            "{}: answered {status} {text}",
            case.name
        );
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{}: not the house's JSON error: {text}", case.name));
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["code", "detail"], "{}: {body}", case.name);
        assert_eq!(body["code"], case.code, "{}: {body}", case.name);
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.len() >= 8,
            "{}: unclear detail {detail:?}",
            case.name
        );
        assert_nothing_kept(app, case.name).await;
    }
    app.expect_no_event(Duration::from_millis(500)).await;
}

async fn assert_nothing_kept(app: &TestApp, name: &str) {
    app.recorded().await;
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    assert_eq!(
        count("select count(*) from inbound_message").await,
        0,
        "{name}: a deduplication row was kept"
    );
    assert_eq!(
        count("select count(*) from webchat_entry where sender = 'shopper'").await,
        0,
        "{name}: a transcript entry was kept"
    );
    assert_eq!(
        count("select count(*) from conversation_brand").await,
        0,
        "{name}: a brand choice was kept"
    );
}

fn text_webhook() -> Value {
    serde_json::from_slice(&fixture("whatsapp/text.json")).unwrap()
}

fn with(mut value: Value, pointer: &str, new: Value) -> Vec<u8> {
    *value.pointer_mut(pointer).unwrap() = new;
    serde_json::to_vec(&value).unwrap()
}

const MESSAGE: &str = "/entry/0/changes/0/value/messages/0";

#[tokio::test]
async fn hostile_whatsapp_webhooks_are_refused_and_nothing_is_kept() {
    let mut app = TestApp::spawn().await;
    let wa = "/webhooks/whatsapp/shop";
    let good = serde_json::to_vec(&text_webhook()).unwrap();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
    let mut invalid_utf8 = good.clone();
    let at = invalid_utf8.windows(4).position(|w| w == b"Body").unwrap();
    invalid_utf8[at] = 0xff;
    let other_signature =
        whatsapp_signature(APP_SECRET, b"{\"object\":\"whatsapp_business_account\"}");
    let valid = whatsapp_signature(APP_SECRET, &good);
    let hex = valid.trim_start_matches("sha256=").to_owned();
    let cases = vec![
        case("oversized body", wa, vec![b' '; 70 * 1024])
            .signed()
            .expect(413, "payload_too_large"),
        case("10,000 levels of nesting", wa, deep).signed(),
        case("invalid UTF-8", wa, invalid_utf8).signed(),
        case("truncated JSON", wa, good[..good.len() / 2].to_vec()).signed(),
        case("empty body", wa, Vec::new()).signed(),
        case("not an object", wa, b"\"whatsapp\"".to_vec()).signed(),
        case(
            "another object kind",
            wa,
            with(text_webhook(), "/object", json!("page")),
        )
        .signed(),
        case(
            "messages of the wrong type",
            wa,
            with(
                text_webhook(),
                "/entry/0/changes/0/value/messages",
                json!({ "a": 1 }),
            ),
        )
        .signed(),
        case(
            "timestamp as a number overflowing i64",
            wa,
            with(
                text_webhook(),
                &format!("{MESSAGE}/timestamp"),
                json!("99999999999999999999"),
            ),
        )
        .signed(),
        case(
            "timestamp past the calendar",
            wa,
            with(
                text_webhook(),
                &format!("{MESSAGE}/timestamp"),
                json!(i64::MAX.to_string()),
            ),
        )
        .signed(),
        case(
            "message without an id",
            wa,
            with(text_webhook(), &format!("{MESSAGE}/id"), json!("")),
        )
        .signed(),
        case(
            "phone_number_id of a number the tenant does not have",
            wa,
            with(
                text_webhook(),
                "/entry/0/changes/0/value/metadata/phone_number_id",
                json!("999"),
            ),
        )
        .signed()
        .expect(422, "unknown_channel"),
        case(
            "tenant that does not exist",
            "/webhooks/whatsapp/nobody",
            good.clone(),
        )
        .signed()
        .expect(404, "unknown_tenant"),
        case("missing signature", wa, good.clone()).expect(401, "unauthorized"),
        case("signature of another body", wa, good.clone())
            .header_str("x-hub-signature-256", &other_signature)
            .expect(401, "unauthorized"),
        case("sha1 prefix", wa, good.clone())
            .header_str("x-hub-signature-256", &format!("sha1={hex}"))
            .expect(401, "unauthorized"),
        case("no prefix", wa, good.clone())
            .header_str("x-hub-signature-256", &hex)
            .expect(401, "unauthorized"),
        case("short hex", wa, good.clone())
            .header_str("x-hub-signature-256", &valid[..valid.len() - 2])
            .expect(401, "unauthorized"),
        case("long hex", wa, good.clone())
            .header_str("x-hub-signature-256", &format!("{valid}00"))
            .expect(401, "unauthorized"),
        case("two signatures in one header", wa, good.clone())
            .header_str("x-hub-signature-256", &format!("{valid}, {valid}"))
            .expect(401, "unauthorized"),
        case("non-ASCII bytes in the signature", wa, good.clone())
            .header(
                "x-hub-signature-256",
                HeaderValue::from_bytes(format!("sha256=\u{e9}{hex}").as_bytes()).unwrap(),
            )
            .expect(401, "unauthorized"),
        case("signed with another tenant's secret", wa, good.clone())
            .header_str(
                "x-hub-signature-256",
                &whatsapp_signature("other-app-secret", &good),
            )
            .expect(401, "unauthorized"),
        case("text/plain", wa, good.clone())
            .signed()
            .header_str("content-type", "text/plain")
            .expect(415, "unsupported_media_type"),
    ];

    refuse_all(&mut app, cases).await;
    app.stop().await;
}

#[tokio::test]
async fn hostile_telegram_updates_are_refused_and_nothing_is_kept() {
    let mut app = TestApp::spawn().await;
    let tg = "/webhooks/telegram/shop";
    let update: Value = serde_json::from_slice(&fixture("telegram/text.json")).unwrap();
    let good = serde_json::to_vec(&update).unwrap();
    let secret = |c: Case| c.header_str("x-telegram-bot-api-secret-token", TG_SECRET);
    let cases = vec![
        case("missing secret token", tg, good.clone()).expect(401, "unauthorized"),
        case("wrong secret token", tg, good.clone())
            .header_str("x-telegram-bot-api-secret-token", "guess")
            .expect(401, "unauthorized"),
        case("secret token with a trailing comma", tg, good.clone())
            .header_str("x-telegram-bot-api-secret-token", &format!("{TG_SECRET},"))
            .expect(401, "unauthorized"),
        secret(case(
            "tenant that does not exist",
            "/webhooks/telegram/nobody",
            good.clone(),
        ))
        .expect(404, "unknown_tenant"),
        secret(case("truncated JSON", tg, good[..good.len() - 3].to_vec())),
        secret(case(
            "10,000 levels of nesting",
            tg,
            format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes(),
        )),
        secret(case(
            "negative update_id",
            tg,
            with(update.clone(), "/update_id", json!(-1)),
        )),
        secret(case(
            "update_id overflowing i64",
            tg,
            b"{\"update_id\": 18446744073709551616}".to_vec(),
        )),
        secret(case(
            "update_id as a string",
            tg,
            with(update.clone(), "/update_id", json!("1")),
        )),
        secret(case(
            "date past the calendar",
            tg,
            with(update.clone(), "/message/date", json!(i64::MAX)),
        )),
        secret(case("oversized body", tg, vec![b' '; 70 * 1024])).expect(413, "payload_too_large"),
        secret(case("form-encoded", tg, b"update_id=1".to_vec()))
            .header_str("content-type", "application/x-www-form-urlencoded")
            .expect(415, "unsupported_media_type"),
    ];

    refuse_all(&mut app, cases).await;
    app.stop().await;
}

#[tokio::test]
async fn hostile_web_chat_requests_are_refused_and_nothing_is_kept() {
    let mut app = TestApp::spawn().await;
    let expiring = webchat::open_session(&app, "fashion").await;
    sqlx::query(
        "update webchat_session set last_active_at = now() - interval '1000 days' where id = $1",
    )
    .bind(uuid::Uuid::parse_str(&expiring.id).unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    let session = webchat::open_session(&app, "fashion").await;
    let other = webchat::create_session(&app.address, "other", json!({ "brand": "bread" })).await;
    let other: Value = other.json().await.unwrap();
    let messages = |id: &str| format!("/chat/shop/sessions/{id}/messages");
    let mine = messages(&session.id);
    let bearer = |token: &str| HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    let auth = |c: Case| c.header("authorization", bearer(&session.token));
    let msg = |v: Value| serde_json::to_vec(&v).unwrap();
    let hi = msg(json!({ "text": "hi" }));
    let cases = vec![
        case(
            "text/plain with the token in the query (a cross-origin simple request)",
            format!("{mine}?token={}", session.token),
            hi.clone(),
        )
        .header_str("content-type", "text/plain")
        .header_str("origin", "https://evil.example")
        .expect(415, "unsupported_media_type"),
        case(
            "JSON with the token only in the query",
            format!("{mine}?token={}", session.token),
            hi.clone(),
        )
        .expect(401, "unauthorized"),
        auth(case("form-encoded", mine.clone(), b"text=hi".to_vec()))
            .header_str("content-type", "application/x-www-form-urlencoded")
            .expect(415, "unsupported_media_type"),
        case(
            "session opened with text/plain",
            "/chat/shop/sessions",
            msg(json!({ "brand": "fashion" })),
        )
        .header_str("content-type", "text/plain")
        .expect(415, "unsupported_media_type"),
        case("no token", mine.clone(), hi.clone()).expect(401, "unauthorized"),
        case("wrong token", mine.clone(), hi.clone())
            .header("authorization", bearer("0".repeat(64).as_str()))
            .expect(401, "unauthorized"),
        case(
            "unknown session",
            messages(&uuid::Uuid::now_v7().to_string()),
            hi.clone(),
        )
        .header("authorization", bearer(&session.token))
        .expect(404, "not_found"),
        case(
            "session id that is not a uuid",
            messages("not-a-uuid"),
            hi.clone(),
        )
        .header("authorization", bearer(&session.token))
        .expect(404, "not_found"),
        case("expired session", messages(&expiring.id), hi.clone())
            .header("authorization", bearer(&expiring.token))
            .expect(404, "not_found"),
        case(
            "another tenant's session and token",
            messages(other["session_id"].as_str().unwrap()),
            hi.clone(),
        )
        .header("authorization", bearer(other["token"].as_str().unwrap()))
        .expect(404, "not_found"),
        auth(case(
            "empty text",
            mine.clone(),
            msg(json!({ "text": "  " })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "text over 4096 characters",
            mine.clone(),
            msg(json!({ "text": "é".repeat(4097) })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "text with NUL",
            mine.clone(),
            msg(json!({ "text": "a\u{0}b" })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "text with an escape sequence",
            mine.clone(),
            msg(json!({ "text": "\u{1b}]0;paid\u{7}" })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "text as a number overflowing f64",
            mine.clone(),
            b"{\"text\": 1e400}".to_vec(),
        )),
        auth(case(
            "text of the wrong type",
            mine.clone(),
            msg(json!({ "text": ["hi"] })),
        )),
        auth(case(
            "reply id empty",
            mine.clone(),
            msg(json!({ "reply": { "id": "", "title": "x" } })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "reply id over 256 characters",
            mine.clone(),
            msg(json!({ "reply": { "id": "pick:".repeat(60), "title": "x" } })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "reply id with NUL",
            mine.clone(),
            msg(json!({ "reply": { "id": "pick:\u{0}", "title": "x" } })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "reply as a bare string",
            mine.clone(),
            msg(json!({ "reply": "pick:0" })),
        )),
        auth(case(
            "reply id as a number",
            mine.clone(),
            msg(json!({ "reply": { "id": 18446744073709551615_u64, "title": "x" } })),
        )),
        auth(case(
            "text and reply both",
            mine.clone(),
            msg(json!({ "text": "hi", "reply": { "id": "a", "title": "b" } })),
        ))
        .expect(400, "invalid_request"),
        auth(case(
            "10,000 levels of nesting",
            mine.clone(),
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        )),
        auth(case(
            "truncated JSON",
            mine.clone(),
            b"{\"text\": \"hi".to_vec(),
        )),
        auth(case(
            "invalid UTF-8",
            mine.clone(),
            b"{\"text\": \"\xff\xfe\"}".to_vec(),
        )),
        auth(case("oversized body", mine.clone(), vec![b' '; 70 * 1024]))
            .expect(413, "payload_too_large"),
    ];

    refuse_all(&mut app, cases).await;
    app.stop().await;
}
