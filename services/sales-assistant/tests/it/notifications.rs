//! Notifications of new escalations, against fake Telegram Bot API and
//! webhook servers on loopback speaking the real wire format: one message
//! per seller not on the page for each new escalation, none for a repeat,
//! the webhook's signature verifies, a failing webhook is tried again.

use std::{
    collections::VecDeque,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;
use store_events::{
    EventContext, EventData as _,
    data::{Priority, SalesEscalate},
    decode, new_event,
};
use tokio::sync::mpsc;
use url::Url;
use uuid::Uuid;

use sales_assistant::accounts::Role;

use crate::helpers::{BRAND, TestApp, escalation};

const SETTINGS: &str = "/inbox/settings/notifications";

/// A request a fake server took.
#[derive(Debug, Clone)]
pub struct Taken {
    /// The path's parameter (the Telegram token), if any.
    pub param: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Taken {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone)]
struct Fake {
    taken: mpsc::UnboundedSender<Taken>,
    /// Statuses to answer, in order; then 200.
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Fake {
    fn answer(&self) -> StatusCode {
        let status = self.script.lock().unwrap().pop_front().unwrap_or(200);
        StatusCode::from_u16(status).unwrap()
    }
}

/// A fake server on loopback: its base URL and what it takes.
pub struct FakeServer {
    pub base: Url,
    pub taken: mpsc::UnboundedReceiver<Taken>,
}

impl FakeServer {
    async fn start(router: Router<Fake>, script: &[u16]) -> Self {
        let (tx, taken) = mpsc::unbounded_channel();
        let state = Fake {
            taken: tx,
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router.with_state(state))
                .await
                .unwrap();
        });
        Self { base, taken }
    }

    /// The Telegram Bot API's `sendMessage`: `{ok: true, result: Message}`,
    /// or `{ok: false, error_code, description}` for a scripted failure.
    pub async fn telegram(script: &[u16]) -> Self {
        async fn send_message(
            State(fake): State<Fake>,
            Path(bot): Path<String>,
            headers: HeaderMap,
            body: Bytes,
        ) -> (StatusCode, Json<Value>) {
            let status = fake.answer();
            fake.taken
                .send(Taken {
                    param: Some(bot),
                    headers,
                    body,
                })
                .unwrap();
            if status.is_success() {
                (
                    status,
                    Json(
                        json!({"ok": true, "result": {"message_id": 7, "date": 0, "chat": {"id": 1, "type": "private"}}}),
                    ),
                )
            } else {
                (
                    status,
                    Json(
                        json!({"ok": false, "error_code": status.as_u16(), "description": "Bad Request: chat not found"}),
                    ),
                )
            }
        }
        // axum captures a whole segment; the Bot API's is `bot<token>`.
        Self::start(
            Router::new().route("/{bot}/sendMessage", post(send_message)),
            script,
        )
        .await
    }

    /// A tenant's webhook answering the scripted statuses, then 204.
    pub async fn webhook(script: &[u16]) -> Self {
        async fn hook(State(fake): State<Fake>, headers: HeaderMap, body: Bytes) -> StatusCode {
            let status = fake.answer();
            fake.taken
                .send(Taken {
                    param: None,
                    headers,
                    body,
                })
                .unwrap();
            if status == StatusCode::OK {
                StatusCode::NO_CONTENT
            } else {
                status
            }
        }
        Self::start(Router::new().route("/hooks/inbox", post(hook)), script).await
    }

    /// The next request, or a failed test after 15 s.
    pub async fn next(&mut self) -> Taken {
        tokio::time::timeout(Duration::from_secs(15), self.taken.recv())
            .await
            .expect("no request within 15 s")
            .unwrap()
    }

    /// Nothing more arrives within `wait`.
    pub async fn assert_quiet(&mut self, wait: Duration) {
        if let Ok(Some(more)) = tokio::time::timeout(wait, self.taken.recv()).await {
            panic!(
                "unexpected request {:?}",
                String::from_utf8_lossy(&more.body)
            );
        }
    }
}

/// A tenants file giving `acme` the Telegram bot `token` for [`BRAND`].
pub fn tenants_file(token: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("{}.yaml", store_testkit::unique("tenants")));
    std::fs::write(
        &path,
        format!(
            "tenants:\n  - id: acme\n    name: Acme\n    brands:\n      - {{ id: {BRAND}, name: Shoes }}\n      - {{ id: bags, name: Bags }}\n    telegram:\n      - bot_token: {{ value: \"{token}\" }}\n        secret_token: {{ value: s }}\n        brand: {BRAND}\n"
        ),
    )
    .unwrap();
    path
}

/// The service with the fake Bot API at `telegram` and `acme`'s bot.
pub async fn spawn_notifying(telegram: &Url, token: &str) -> TestApp {
    let (base, file) = (telegram.clone(), tenants_file(token));
    TestApp::spawn_with(move |config| {
        config.notify.telegram_api_base = base;
        config.notify.tenants_file = Some(file);
    })
    .await
}

/// An active account of `tenant` straight in the table (the sign-in is
/// not what these tests are about), with a Telegram chat id when given.
pub async fn account(
    app: &TestApp,
    tenant: &str,
    role: &str,
    brands: &[&str],
    chat: Option<&str>,
) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into seller_account (id, tenant_id, email, name, role, brands, password_hash, \
             telegram_chat_id) values ($1, $2, $3, $4, $5, $6, 'not-a-hash', $7)",
    )
    .bind(id)
    .bind(tenant)
    .bind(format!("{}@{tenant}.example", id.simple()))
    .bind("Seller")
    .bind(role)
    .bind(brands.iter().map(|b| (*b).to_owned()).collect::<Vec<_>>())
    .bind(chat)
    .execute(&app.pool)
    .await
    .unwrap();
    id
}

/// `tenant`'s notification settings, straight in the table.
pub async fn settings(
    app: &TestApp,
    tenant: &str,
    webhook: Option<&str>,
    secret: Option<&str>,
    telegram: bool,
) {
    sqlx::query(
        "insert into notification_setting (tenant_id, webhook_url, webhook_secret, telegram) \
         values ($1, $2, $3, $4)",
    )
    .bind(tenant)
    .bind(webhook)
    .bind(secret)
    .bind(telegram)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn each_new_escalation_messages_the_brands_sellers_once_and_a_repeat_does_not() {
    let mut telegram = FakeServer::telegram(&[]).await;
    let app = spawn_notifying(&telegram.base, "123:secret-token").await;
    let key = app.tenant("acme").await;
    settings(&app, "acme", None, None, true).await;
    let seller = account(&app, "acme", "seller", &[BRAND], Some("111")).await;
    account(&app, "acme", "seller", &["bags"], Some("222")).await;
    account(&app, "acme", "owner", &[], Some("@acme_owner")).await;
    account(&app, "acme", "seller", &[BRAND], None).await;
    let first = escalation("acme", "wa:1:ana", "Wants a refund", Priority::High);

    app.publish(&first).await;
    let mut messages = vec![telegram.next().await, telegram.next().await];
    // The same conversation escalated again while its hand-off is open.
    let data: SalesEscalate = decode(&first).unwrap();
    app.publish(&new_event("/tests", &EventContext::caused_by(&first).unwrap(), &data).unwrap())
        .await;
    app.wait_handled(SalesEscalate::TYPE, 2).await;
    app.escalated("acme", &key, "wa:2:bia").await;
    messages.push(telegram.next().await);
    messages.push(telegram.next().await);

    telegram.assert_quiet(Duration::from_millis(500)).await;
    let mut sent: Vec<(String, Value)> = messages
        .iter()
        .map(|m| (m.param.clone().unwrap(), m.json()))
        .collect();
    sent.sort_by_key(|(_, body)| {
        (
            body["text"].as_str().unwrap().to_owned(),
            body["chat_id"].to_string(),
        )
    });
    let chats: Vec<Value> = sent
        .iter()
        .map(|(_, body)| body["chat_id"].clone())
        .collect();
    assert_eq!(
        chats,
        [
            json!("@acme_owner"),
            json!(111),
            json!("@acme_owner"),
            json!(111)
        ]
    );
    assert!(
        sent.iter().all(|(bot, _)| bot == "bot123:secret-token"),
        "{sent:?}"
    );
    assert_eq!(
        sent[0].1["text"],
        "New conversation for a person — shoes\nReason: customer request · priority high\n\
         Wants a refund\nhttp://inbox.test/inbox/conversations/wa:1:ana"
    );
    assert!(
        sent[2].1["text"]
            .as_str()
            .unwrap()
            .ends_with("/inbox/conversations/wa:2:bia")
    );
    let notices: i64 = sqlx::query_scalar("select count(*) from escalation_notice")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(notices, 2);
    let to_seller: Vec<String> =
        sqlx::query_scalar("select status from notification_delivery where account_id = $1")
            .bind(seller)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(to_seller, ["sent", "sent"]);
    app.stop().await;
}

#[tokio::test]
async fn the_webhook_is_signed_and_tried_again_after_a_failure() {
    let mut hook = FakeServer::webhook(&[503, 500]).await;
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let url = hook.base.join("/hooks/inbox").unwrap();
    settings(&app, "acme", Some(url.as_str()), Some("whsec-42"), false).await;

    let handoff = app.escalated("acme", &key, "wa:3:caio").await;
    let attempts = [hook.next().await, hook.next().await, hook.next().await];

    hook.assert_quiet(Duration::from_millis(500)).await;
    for attempt in &attempts {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec-42").unwrap();
        mac.update(&attempt.body);
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(attempt.headers["x-signature"], expected.as_str());
        assert_eq!(attempt.headers["content-type"], "application/json");
        assert_eq!(attempt.body, attempts[0].body);
    }
    let body = attempts[0].json();
    assert_eq!(body["type"], "escalation.opened");
    assert_eq!(body["tenant"], "acme");
    assert_eq!(body["brand"], BRAND);
    assert_eq!(body["conversation"], "wa:3:caio");
    assert_eq!(body["handoff"], handoff["id"]);
    assert_eq!(body["reason"], "customer_request");
    assert_eq!(
        body["url"],
        "http://inbox.test/inbox/conversations/wa:3:caio"
    );
    let delivery: (String, i32) = wait_delivery(&app, "sent").await;
    assert_eq!(delivery, ("sent".to_owned(), 3));
    app.stop().await;
}

#[tokio::test]
async fn a_refused_webhook_is_not_tried_again_and_another_tenant_is_not_told() {
    let mut hook = FakeServer::webhook(&[410]).await;
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let url = hook.base.join("/hooks/inbox").unwrap();
    settings(&app, "acme", Some(url.as_str()), None, false).await;

    app.escalated("globex", &other, "wa:9:zed").await;
    app.escalated("acme", &key, "wa:4:dora").await;
    let only = hook.next().await;

    hook.assert_quiet(Duration::from_millis(700)).await;
    assert_eq!(only.json()["tenant"], "acme");
    assert!(only.headers.get("x-signature").is_none());
    let delivery = wait_delivery(&app, "failed").await;
    assert_eq!(delivery.1, 1);
    app.stop().await;
}

/// Waits for the one delivery to reach `status`; its status and attempts.
async fn wait_delivery(app: &TestApp, status: &str) -> (String, i32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let row: Option<(String, i32)> =
            sqlx::query_as("select status, attempts from notification_delivery")
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        if let Some(row) = &row
            && row.0 == status
        {
            return row.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery is {row:?} after 15 s, expected {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_seller_with_the_inbox_open_is_not_messaged_one_signed_in_elsewhere_is() {
    let mut telegram = FakeServer::telegram(&[]).await;
    let app = spawn_notifying(&telegram.base, "123:secret-token").await;
    let key = app.tenant("acme").await;
    let owner = app.account("acme", Role::Owner, &[]).await.browser().await;
    let (status, page) = owner
        .post_form(SETTINGS, &[("telegram", "on"), ("webhook_url", "")])
        .await;
    assert_eq!(status, 200, "{page}");
    // The owner is on the page too; give them no chat.
    let on_page = app
        .account("acme", Role::Seller, &[BRAND])
        .await
        .browser()
        .await;
    let away = app
        .account("acme", Role::Seller, &[BRAND])
        .await
        .browser()
        .await;
    for (browser, chat) in [(&on_page, "111"), (&away, "222")] {
        let (status, page) = browser
            .post_form(&format!("{SETTINGS}/telegram"), &[("chat_id", chat)])
            .await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Your Telegram chat is saved"), "{page}");
    }
    // On the page: its event stream is open (and marks it present). Away:
    // still signed in, but no page open.
    let stream = on_page
        .request(reqwest::Method::GET, "/inbox/events")
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut present = false;
    for _ in 0..100 {
        let (seen,): (i64,) =
            sqlx::query_as("select count(*) from inbox_presence where tenant_id = 'acme'")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if seen == 1 {
            present = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(present, "the open page marks its seller present");

    app.escalated("acme", &key, "wa:5:eva").await;
    let only = telegram.next().await;

    telegram.assert_quiet(Duration::from_millis(700)).await;
    assert_eq!(only.json()["chat_id"], 222);
    drop(stream);
    app.stop().await;
}

#[tokio::test]
async fn the_owner_sets_the_webhook_on_the_page_and_its_secret_is_never_shown_back() {
    let mut hook = FakeServer::webhook(&[]).await;
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let owner = app.account("acme", Role::Owner, &[]).await.browser().await;
    let seller = app
        .account("acme", Role::Seller, &[BRAND])
        .await
        .browser()
        .await;
    let url = hook.base.join("/hooks/inbox").unwrap();

    let (bad_status, bad_page) = owner
        .post_form(
            SETTINGS,
            &[
                ("webhook_url", "ftp://example.com/x"),
                ("webhook_secret", "whsec-9"),
            ],
        )
        .await;
    let (status, page) = owner
        .post_form(
            SETTINGS,
            &[("webhook_url", url.as_str()), ("webhook_secret", "whsec-9")],
        )
        .await;
    // Saved again without typing the secret: it is kept.
    let (_, kept) = owner
        .post_form(
            SETTINGS,
            &[("webhook_url", url.as_str()), ("webhook_secret", "")],
        )
        .await;
    let (seller_status, seller_page) = seller.get_page(SETTINGS).await;
    let (seller_post, _) = seller
        .post_form(SETTINGS, &[("webhook_url", "https://evil.example/")])
        .await;
    let (bad_chat, bad_chat_page) = seller
        .post_form(&format!("{SETTINGS}/telegram"), &[("chat_id", "<b>1</b>")])
        .await;
    app.escalated("acme", &key, "wa:6:fred").await;
    let sent = hook.next().await;

    assert_eq!(bad_status, 422, "{bad_page}");
    assert!(bad_page.contains("must start with https://"), "{bad_page}");
    assert!(!bad_page.contains("whsec-9"));
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("The notification settings are saved"),
        "{page}"
    );
    assert!(page.contains("one is set"), "{page}");
    for shown in [&page, &kept] {
        assert!(!shown.contains("whsec-9"), "the secret is shown: {shown}");
    }
    assert_eq!(seller_status, 200, "{seller_page}");
    assert!(seller_page.contains("Your Telegram chat"));
    assert!(!seller_page.contains("Webhook URL"), "{seller_page}");
    assert_eq!(seller_post, 404);
    assert_eq!(bad_chat, 422, "{bad_chat_page}");
    assert!(
        bad_chat_page.contains("&#60;b&#62;1&#60;/b&#62;"),
        "not escaped: {bad_chat_page}"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec-9").unwrap();
    mac.update(&sent.body);
    assert_eq!(
        sent.headers["x-signature"],
        format!("sha256={}", hex::encode(mac.finalize().into_bytes())).as_str()
    );
    let stored: Option<String> =
        sqlx::query_scalar("select webhook_url from notification_setting where tenant_id = 'acme'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some(url.as_str()));
    app.stop().await;
}
