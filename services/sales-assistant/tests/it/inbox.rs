//! The inbox's engine: every conversation recorded, ownership (claim, take
//! over, transfer, release, hand back) and replies by signed-in sellers,
//! delivery reports, deferral outside staffed hours, and the live event
//! stream filtered per seller.

use std::time::Duration;

use reqwest::Method;
use sales_assistant::{
    accounts::Role,
    db::{
        self,
        conversations::{ConversationSummary, ListFilter, View},
    },
    domain::hours::StaffedHours,
    http::pages::actions::conversation_path,
};
use serde_json::{Value, json};
use store_events::{
    AttributesReader as _, BrandId, ConversationId, Event, EventContext, EventData as _, TenantId,
    data::{
        Channel, ChatDelivery, ChatMessageNew, ChatResponse, Customer, DeferralReason,
        DeliveryStatus, EscalationReason, MessageContent, Priority, ResponsePart, SalesClaimed,
        SalesDeferred, SalesEscalate, SalesResolved, Sender,
    },
    decode, new_event,
};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::helpers::{BRAND, Browser, CUSTOMER, TestApp, at, next};

pub fn context(tenant: &str, brand: &str, conversation: &str) -> EventContext {
    EventContext::new(TenantId::parse(tenant).unwrap())
        .with_brand(BrandId::parse(brand).unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap())
}

/// A shopper's text in `conversation` of `brand`, in `language`.
pub fn shopper_says(
    tenant: &str,
    brand: &str,
    conversation: &str,
    text: &str,
    language: Option<&str>,
) -> Event {
    let data = ChatMessageNew {
        message_id: Uuid::now_v7().to_string(),
        channel: Channel::Whatsapp,
        channel_message_id: format!("wamid.{}", Uuid::new_v4().simple()),
        customer: Customer {
            display_name: Some("Ana".to_owned()),
            language: language.map(str::to_owned),
            ..Customer::new(CUSTOMER)
        },
        sent_at: at(0),
        content: MessageContent::Text {
            text: text.to_owned(),
        },
        reply_to: None,
        edited: false,
    };
    new_event("/tests", &context(tenant, brand, conversation), &data).unwrap()
}

/// A reply to the shopper of `conversation` by `sender`.
pub fn reply_of(
    tenant: &str,
    brand: &str,
    conversation: &str,
    sender: Sender,
    text: &str,
) -> Event {
    let data = ChatResponse {
        channel: Channel::Whatsapp,
        recipient: CUSTOMER.to_owned(),
        reply_to_message_id: None,
        sender,
        parts: vec![ResponsePart::Text {
            text: text.to_owned(),
        }],
    };
    new_event("/tests", &context(tenant, brand, conversation), &data).unwrap()
}

/// An escalation of `conversation` of `brand`.
pub fn escalate(tenant: &str, brand: &str, conversation: &str, priority: Priority) -> Event {
    let data = SalesEscalate {
        reason: EscalationReason::CustomerRequest,
        summary: "Wants a refund".to_owned(),
        customer: Customer {
            display_name: Some("Ana".to_owned()),
            ..Customer::new(CUSTOMER)
        },
        channel: Channel::Whatsapp,
        priority,
        last_messages: None,
    };
    new_event("/tests", &context(tenant, brand, conversation), &data).unwrap()
}

/// Waits until `tenant`'s `conversation` is recorded and `ready` holds.
pub async fn conversation_when(
    app: &TestApp,
    tenant: &str,
    conversation: &str,
    ready: impl Fn(&ConversationSummary) -> bool,
) -> ConversationSummary {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let found = db::conversations::find(&app.pool, tenant, conversation)
            .await
            .unwrap();
        if let Some(found) = found.filter(|c| ready(c)) {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{conversation} not as expected after 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Escalates `conversation` of `BRAND` and waits until it waits.
pub async fn escalated(app: &TestApp, tenant: &str, conversation: &str) -> ConversationSummary {
    app.publish(&escalate(tenant, BRAND, conversation, Priority::Normal))
        .await;
    conversation_when(app, tenant, conversation, |c| {
        c.handoff.as_ref().is_some_and(|h| h.status == "open")
    })
    .await
}

/// Posts JSON to the action `action` of `conversation` as the page's
/// script does (CSRF header, `Accept: application/json`).
pub async fn act(browser: &Browser, conversation: &str, action: &str, body: Value) -> (u16, Value) {
    let path = format!("{}/{action}", conversation_path(conversation));
    let response = browser
        .request(Method::POST, &path)
        .header("x-csrf-token", &browser.csrf)
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The next event on `rx`, or `None` after `wait`.
pub async fn maybe_next(rx: &mut mpsc::UnboundedReceiver<Event>, wait: Duration) -> Option<Event> {
    tokio::time::timeout(wait, rx.recv()).await.ok().flatten()
}

async fn seller(
    app: &TestApp,
    tenant: &str,
    brands: &[&str],
) -> (crate::helpers::Account, Browser) {
    let account = app.account(tenant, Role::Seller, brands).await;
    let browser = account.browser().await;
    (account, browser)
}

#[tokio::test]
async fn two_sellers_claiming_at_once_one_wins_and_the_other_is_told_who() {
    let app = TestApp::spawn().await;
    let (ana, ana_browser) = seller(&app, "acme", &[BRAND]).await;
    let (bea, bea_browser) = seller(&app, "acme", &[BRAND]).await;
    escalated(&app, "acme", "wa:1:ana").await;
    let mut claims = app.watch(&format!("{}.#", SalesClaimed::TYPE)).await;

    let (first, second) = tokio::join!(
        act(&ana_browser, "wa:1:ana", "claim", json!({})),
        act(&bea_browser, "wa:1:ana", "claim", json!({})),
    );

    let mut statuses = [first.0, second.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{first:?} {second:?}");
    let (winner, loser) = if first.0 == 200 {
        (&ana, &second.1)
    } else {
        (&bea, &first.1)
    };
    assert_eq!(
        loser["detail"],
        format!("{} already has this conversation", winner.name)
    );
    let claimed: SalesClaimed = decode(&next(&mut claims).await).unwrap();
    assert_eq!(claimed.agent, winner.id.to_string());
    assert_eq!(claimed.agent_name, winner.name);
    assert!(!claimed.taken_over);
    assert!(
        maybe_next(&mut claims, Duration::from_millis(500))
            .await
            .is_none()
    );
    let conversation = db::conversations::find(&app.pool, "acme", "wa:1:ana")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.handler, "human");
    assert_eq!(conversation.owner_account, Some(winner.id));
    assert_eq!(
        conversation.owner_name.as_deref(),
        Some(winner.name.as_str())
    );
    app.stop().await;
}

#[tokio::test]
async fn taking_over_from_the_ai_silences_it_and_tells_the_shopper_in_their_language() {
    let app = TestApp::spawn().await;
    let (ana, browser) = seller(&app, "acme", &[BRAND]).await;
    app.publish(&shopper_says(
        "acme",
        BRAND,
        "wa:2:ana",
        "Hola",
        Some("es-ES"),
    ))
    .await;
    conversation_when(&app, "acme", "wa:2:ana", |c| c.handler == "ai").await;
    let mut claims = app.watch(&format!("{}.#", SalesClaimed::TYPE)).await;
    let mut replies = app.watch(&format!("{}.#", ChatResponse::TYPE)).await;

    let (status, body) = act(&browser, "wa:2:ana", "take-over", json!({})).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"ok": true}));
    let claimed: SalesClaimed = decode(&next(&mut claims).await).unwrap();
    assert!(claimed.taken_over);
    assert_eq!(claimed.agent, ana.id.to_string());
    let notice = next(&mut replies).await;
    let notice: ChatResponse = decode(&notice).unwrap();
    assert_eq!(notice.sender, Sender::System);
    assert_eq!(
        notice.parts,
        [ResponsePart::Text {
            text: format!(
                "{}, de nuestro equipo, se ha unido a la conversación.",
                ana.name
            )
        }]
    );
    let conversation = db::conversations::find(&app.pool, "acme", "wa:2:ana")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.handler, "human");
    let handoff = conversation.handoff.unwrap();
    assert!(handoff.taken_over);
    assert_eq!(handoff.reason, "other");
    assert_eq!(handoff.summary, format!("Taken over by {}", ana.name));
    // A second take-over finds the hand-off theirs already.
    let (again, _) = act(&browser, "wa:2:ana", "take-over", json!({})).await;
    assert_eq!(again, 200);
    app.stop().await;
}

#[tokio::test]
async fn transfer_release_and_hand_back_publish_what_they_should() {
    let app = TestApp::spawn().await;
    let (_, ana) = seller(&app, "acme", &[BRAND]).await;
    let (bea_account, bea) = seller(&app, "acme", &[BRAND]).await;
    let (other_brand, _) = seller(&app, "acme", &["bags"]).await;
    escalated(&app, "acme", "wa:3:ana").await;
    let mut claims = app.watch(&format!("{}.#", SalesClaimed::TYPE)).await;
    let mut resolutions = app.watch(&format!("{}.#", SalesResolved::TYPE)).await;
    assert_eq!(act(&ana, "wa:3:ana", "claim", json!({})).await.0, 200);
    next(&mut claims).await;

    // Not to a seller of another brand.
    let (status, body) = act(&ana, "wa:3:ana", "transfer", json!({"to": other_brand.id})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = act(&ana, "wa:3:ana", "transfer", json!({"to": bea_account.id})).await;
    assert_eq!(status, 200, "{body}");
    let claimed: SalesClaimed = decode(&next(&mut claims).await).unwrap();
    assert_eq!(claimed.agent, bea_account.id.to_string());
    assert_eq!(claimed.agent_name, bea_account.name);

    // Ana no longer owns it.
    let (status, body) = act(&ana, "wa:3:ana", "release", json!({})).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (409, Some("Claim the conversation first"))
    );
    let (status, body) = act(&bea, "wa:3:ana", "release", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let waiting = db::conversations::find(&app.pool, "acme", "wa:3:ana")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(waiting.handler, "waiting");
    assert_eq!(waiting.owner_account, None);
    assert!(
        maybe_next(&mut claims, Duration::from_millis(300))
            .await
            .is_none()
    );

    assert_eq!(act(&bea, "wa:3:ana", "claim", json!({})).await.0, 200);
    next(&mut claims).await;
    let (status, body) = act(
        &bea,
        "wa:3:ana",
        "hand-back",
        json!({"note": "Refund agreed"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let resolved: SalesResolved = decode(&next(&mut resolutions).await).unwrap();
    assert_eq!(resolved.resolved_by, bea_account.name);
    assert_eq!(resolved.note.as_deref(), Some("Refund agreed"));
    let back = db::conversations::find(&app.pool, "acme", "wa:3:ana")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.handler, "ai");
    assert_eq!(back.handoff.unwrap().status, "resolved");
    app.stop().await;
}

#[tokio::test]
async fn only_the_owner_of_an_open_handoff_replies_and_within_the_limit() {
    let app = TestApp::spawn().await;
    let (ana_account, ana) = seller(&app, "acme", &[BRAND]).await;
    let (_, bea) = seller(&app, "acme", &[BRAND]).await;
    escalated(&app, "acme", "wa:4:ana").await;
    let mut replies = app.watch(&format!("{}.#", ChatResponse::TYPE)).await;
    let _resolutions = app.watch(&format!("{}.#", SalesResolved::TYPE)).await;

    let (status, body) = act(&bea, "wa:4:ana", "reply", json!({"text": "Hi"})).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (409, Some("Claim the conversation first"))
    );
    assert_eq!(act(&ana, "wa:4:ana", "claim", json!({})).await.0, 200);
    let (status, body) = act(&ana, "wa:4:ana", "reply", json!({"text": "x".repeat(4097)})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("4096"), "{body}");

    let (status, body) = act(
        &ana,
        "wa:4:ana",
        "reply",
        json!({"text": "  Hi Ana, refund today. "}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let seq = body["seq"].as_i64().unwrap();
    let sent = next(&mut replies).await;
    let reply: ChatResponse = decode(&sent).unwrap();
    assert_eq!(reply.sender, Sender::Human);
    let transcript = db::messages::transcript(&app.pool, "acme", "wa:4:ana", 0)
        .await
        .unwrap();
    let recorded = transcript.iter().find(|m| i64::from(m.seq) == seq).unwrap();
    assert_eq!(recorded.text, "Hi Ana, refund today.");
    assert_eq!(recorded.sender, "human");
    assert_eq!(recorded.delivery.as_deref(), Some("pending"));
    assert_eq!(
        recorded.agent_name.as_deref(),
        Some(ana_account.name.as_str())
    );
    // Its own delivery back to the inbox adds nothing.
    app.wait_handled(ChatResponse::TYPE, 1).await;
    let again = db::messages::transcript(&app.pool, "acme", "wa:4:ana", 0)
        .await
        .unwrap();
    assert_eq!(again.len(), transcript.len());

    // A plain form gets the conversation page back with a flash.
    let form = ana
        .request(
            Method::POST,
            &format!("{}/reply", conversation_path("wa:4:ana")),
        )
        .form(&[("csrf", ana.csrf.as_str()), ("text", "And a form reply")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 303);
    assert_eq!(
        form.headers()["location"].to_str().unwrap(),
        "/inbox/conversations/wa:4:ana"
    );

    assert_eq!(act(&ana, "wa:4:ana", "hand-back", json!({})).await.0, 200);
    let (status, body) = act(&ana, "wa:4:ana", "reply", json!({"text": "Still there?"})).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (409, Some("This conversation is back with the AI seller"))
    );
    app.stop().await;
}

#[tokio::test]
async fn another_tenants_or_brands_conversation_is_not_found() {
    let app = TestApp::spawn().await;
    let (_, stranger) = seller(&app, "globex", &[BRAND]).await;
    let (_, bags) = seller(&app, "acme", &["bags"]).await;
    escalated(&app, "acme", "wa:5:ana").await;

    for browser in [&stranger, &bags] {
        for action in ["claim", "take-over", "reply", "release", "draft"] {
            let (status, body) = act(browser, "wa:5:ana", action, json!({"text": "hi"})).await;
            assert_eq!(status, 404, "{action}: {body}");
        }
    }
    let conversation = db::conversations::find(&app.pool, "acme", "wa:5:ana")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.handler, "waiting");
    app.stop().await;
}

#[tokio::test]
async fn every_conversation_is_recorded_once_and_duplicate_escalations_make_one_handoff() {
    let app = TestApp::spawn().await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let said = shopper_says(
        "acme",
        BRAND,
        "wa:6:ana",
        "Do you have red sneakers?",
        Some("en"),
    );
    let answer = reply_of("acme", BRAND, "wa:6:ana", Sender::Ai, "Yes, size 38 to 44.");
    for event in [&said, &said, &answer, &answer] {
        app.publish(event).await;
    }
    app.wait_handled(ChatResponse::TYPE, 2).await;

    let all = db::conversations::list(
        &app.pool,
        "acme",
        None,
        &ListFilter {
            view: View::All,
            brand: None,
        },
        owner.id,
        50,
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].conversation, "wa:6:ana");
    assert_eq!(all[0].handler, "ai");
    assert_eq!(all[0].last_text, "Yes, size 38 to 44.");
    assert_eq!(all[0].language.as_deref(), Some("en"));
    let transcript = db::messages::transcript(&app.pool, "acme", "wa:6:ana", 0)
        .await
        .unwrap();
    assert_eq!(
        transcript
            .iter()
            .map(|m| (m.sender.as_str(), m.text.as_str()))
            .collect::<Vec<_>>(),
        [
            ("shopper", "Do you have red sneakers?"),
            ("ai", "Yes, size 38 to 44.")
        ]
    );
    assert_eq!(
        db::messages::transcript(&app.pool, "acme", "wa:6:ana", 1)
            .await
            .unwrap()
            .len(),
        1
    );
    let waiting = ListFilter::default();
    assert!(
        db::conversations::list(&app.pool, "acme", None, &waiting, owner.id, 50)
            .await
            .unwrap()
            .is_empty()
    );

    let escalation = escalate("acme", BRAND, "wa:6:ana", Priority::High);
    app.publish(&escalation).await;
    app.publish(&escalation).await;
    app.wait_handled(SalesEscalate::TYPE, 2).await;
    let queue = db::conversations::list(&app.pool, "acme", None, &waiting, owner.id, 50)
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].handler, "waiting");
    assert_eq!(queue[0].handoff.as_ref().unwrap().priority, "high");
    let handoffs: i64 = sqlx::query_scalar("select count(*) from handoff where tenant_id = 'acme'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(handoffs, 1);
    // A seller of another brand does not see it.
    let bags = vec!["bags".to_owned()];
    assert!(
        db::conversations::list(&app.pool, "acme", Some(&bags), &waiting, owner.id, 50)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_report_marks_the_reply_sent_or_failed() {
    let app = TestApp::spawn().await;
    let answer = reply_of("acme", BRAND, "wa:7:ana", Sender::Ai, "Here you go");
    app.publish(&answer).await;
    conversation_when(&app, "acme", "wa:7:ana", |_| true).await;
    let report = ChatDelivery {
        response_id: answer.id().to_owned(),
        channel: Channel::Whatsapp,
        status: DeliveryStatus::Failed,
        reason: Some("the shopper blocked the number".to_owned()),
        code: None,
        channel_message_id: None,
    };
    let report = new_event("/tests", &context("acme", BRAND, "wa:7:ana"), &report).unwrap();
    app.publish(&report).await;
    app.wait_handled(ChatDelivery::TYPE, 1).await;

    let transcript = db::messages::transcript(&app.pool, "acme", "wa:7:ana", 0)
        .await
        .unwrap();
    assert_eq!(transcript[0].delivery.as_deref(), Some("failed"));
    assert_eq!(
        transcript[0].delivery_reason.as_deref(),
        Some("the shopper blocked the number")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_report_applies_once_and_one_ahead_of_its_reply_applies_when_it_comes_again() {
    let app = TestApp::spawn().await;
    let (_, browser) = seller(&app, "acme", &[BRAND]).await;
    let mut stream = Stream::open(&browser).await;
    let answer = reply_of("acme", BRAND, "wa:11:ana", Sender::Ai, "Here you go");
    let report = ChatDelivery {
        response_id: answer.id().to_owned(),
        channel: Channel::Whatsapp,
        status: DeliveryStatus::Sent,
        reason: None,
        code: None,
        channel_message_id: Some("wamid.11".to_owned()),
    };
    let report = new_event("/tests", &context("acme", BRAND, "wa:11:ana"), &report).unwrap();

    // Ahead of its reply: nothing to mark, and not taken as applied.
    app.publish(&report).await;
    app.wait_handled(ChatDelivery::TYPE, 1).await;
    app.publish(&answer).await;
    let recorded = stream.next_change().await;
    assert_eq!(recorded["kind"], "reply");
    assert_eq!(recorded["seq"], 1);
    let pending = db::messages::transcript(&app.pool, "acme", "wa:11:ana", 0)
        .await
        .unwrap();
    assert_eq!(pending[0].delivery.as_deref(), Some("pending"));

    // The same report again, once the reply is recorded: applied and
    // announced, with the payload every change has.
    app.publish(&report).await;
    assert_eq!(
        stream.next_change().await,
        json!({"tenant": "acme", "brand": BRAND, "conversation": "wa:11:ana", "kind": "delivery", "seq": 1})
    );
    let sent = db::messages::transcript(&app.pool, "acme", "wa:11:ana", 0)
        .await
        .unwrap();
    assert_eq!(sent[0].delivery.as_deref(), Some("sent"));

    // A third time: already applied, nothing announced. The next change the
    // stream carries is the shopper's next message.
    app.publish(&report).await;
    app.wait_handled(ChatDelivery::TYPE, 3).await;
    app.publish(&shopper_says("acme", BRAND, "wa:11:ana", "Thanks!", None))
        .await;
    let next = stream.next_change().await;
    assert_eq!(next["kind"], "message");
    assert_eq!(next["seq"], 2);
    drop(stream);
    app.stop().await;
}

/// A live event stream of a signed-in browser.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(browser: &Browser) -> Self {
        let response = browser
            .request(Method::GET, "/inbox/events")
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next `event: change`'s data.
    async fn next_change(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if block.lines().any(|l| l == "event: change") {
                    let data = block
                        .lines()
                        .find_map(|l| l.strip_prefix("data: "))
                        .unwrap();
                    return serde_json::from_str(data).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(15), self.response.chunk())
                .await
                .expect("no change within 15 s")
                .unwrap()
                .expect("the stream ended");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn the_live_stream_carries_only_the_sellers_tenant_and_brands() {
    let app = TestApp::spawn().await;
    let (_, acme_shoes) = seller(&app, "acme", &[BRAND]).await;
    let (_, acme_bags) = seller(&app, "acme", &["bags"]).await;
    let (_, globex_shoes) = seller(&app, "globex", &[BRAND]).await;
    let mut shoes_stream = Stream::open(&acme_shoes).await;
    let mut bags_stream = Stream::open(&acme_bags).await;
    let mut globex_stream = Stream::open(&globex_shoes).await;

    app.publish(&escalate("acme", BRAND, "wa:8:ana", Priority::Normal))
        .await;
    let change = shoes_stream.next_change().await;
    assert_eq!(
        change,
        json!({"tenant": "acme", "brand": BRAND, "conversation": "wa:8:ana", "kind": "escalation"})
    );
    // The others' first change is their own, not acme's shoes.
    app.publish(&escalate("acme", "bags", "wa:8:bags", Priority::Normal))
        .await;
    app.publish(&escalate("globex", BRAND, "wa:8:globex", Priority::Normal))
        .await;
    assert_eq!(bags_stream.next_change().await["conversation"], "wa:8:bags");
    assert_eq!(
        globex_stream.next_change().await["conversation"],
        "wa:8:globex"
    );
    // And the shoes seller of acme saw neither.
    app.publish(&shopper_says("acme", BRAND, "wa:8:ana", "Hello?", None))
        .await;
    let next = shoes_stream.next_change().await;
    assert_eq!(next["conversation"], "wa:8:ana");
    assert_eq!(next["kind"], "message");
    assert!(next["seq"].as_i64().is_some());
    drop((shoes_stream, bags_stream, globex_stream));
    app.stop().await;
}

#[tokio::test]
async fn the_stream_needs_a_signed_in_seller() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.url("/inbox/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    app.stop().await;
}

fn closed_today(config: &mut sales_assistant::Config) {
    use chrono::Datelike as _;
    // Every day but today (UTC), all day: closed now, open tomorrow.
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let today = chrono::Utc::now().weekday().num_days_from_monday() as usize;
    let open: Vec<&str> = (0..7).filter(|d| *d != today).map(|d| days[d]).collect();
    config.staffed_hours =
        StaffedHours::parse(&format!("{BRAND}={} 00:00-23:59 UTC", open.join(","))).unwrap();
}

#[tokio::test]
async fn outside_staffed_hours_an_escalation_is_deferred_and_the_shopper_told_when() {
    let app = TestApp::spawn_with(closed_today).await;
    let mut deferrals = app.watch(&format!("{}.#", SalesDeferred::TYPE)).await;
    let mut replies = app.watch(&format!("{}.#", ChatResponse::TYPE)).await;

    app.publish(&escalate("acme", BRAND, "wa:9:ana", Priority::Normal))
        .await;

    let deferred: SalesDeferred = decode(&next(&mut deferrals).await).unwrap();
    assert_eq!(deferred.reason, DeferralReason::OffHours);
    let until = deferred.until.unwrap();
    assert!(until > chrono::Utc::now());
    let notice: ChatResponse = decode(&next(&mut replies).await).unwrap();
    assert_eq!(notice.sender, Sender::System);
    let ResponsePart::Text { text } = &notice.parts[0] else {
        panic!("{notice:?}")
    };
    assert!(text.contains("A person will answer you from"), "{text}");
    assert!(text.contains("(UTC time)"), "{text}");
    let conversation = conversation_when(&app, "acme", "wa:9:ana", |c| c.handoff.is_some()).await;
    assert_eq!(conversation.handler, "ai");
    let handoff = conversation.handoff.unwrap();
    assert_eq!(handoff.status, "open");
    assert_eq!(handoff.deferral_reason.as_deref(), Some("off_hours"));
    assert_eq!(handoff.deferred_until, Some(until));
    app.stop().await;
}

fn defer_when_nobody_is_signed_in(config: &mut sales_assistant::Config) {
    config.defer_when_nobody_signed_in = true;
}

#[tokio::test]
async fn with_nobody_signed_in_an_escalation_is_deferred_until_someone_is() {
    let app = TestApp::spawn_with(defer_when_nobody_is_signed_in).await;
    let mut deferrals = app.watch(&format!("{}.#", SalesDeferred::TYPE)).await;

    app.publish(&escalate("acme", BRAND, "wa:10:ana", Priority::Normal))
        .await;
    let deferred: SalesDeferred = decode(&next(&mut deferrals).await).unwrap();
    assert_eq!(deferred.reason, DeferralReason::NoSellerOnline);
    assert_eq!(deferred.until, None);

    let _present = seller(&app, "acme", &[BRAND]).await;
    app.publish(&escalate("acme", BRAND, "wa:10:bea", Priority::Normal))
        .await;
    let waiting = conversation_when(&app, "acme", "wa:10:bea", |c| c.handoff.is_some()).await;
    assert_eq!(waiting.handler, "waiting");
    assert_eq!(waiting.handoff.unwrap().deferral_reason, None);
    assert!(
        maybe_next(&mut deferrals, Duration::from_millis(300))
            .await
            .is_none()
    );
    app.stop().await;
}
