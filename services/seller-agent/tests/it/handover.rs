//! The seller obeys the human seller's inbox, through the real seller on
//! the bus: a claimed conversation gets no AI reply (not even for messages
//! already queued, nor from a turn already running) until it is handed
//! back; a claim may come before the seller ever saw the conversation; a
//! deferred escalation is answered by the AI meanwhile; a claim applies
//! once and an older one arriving late changes nothing; and a draft is
//! answered on the requester's reply queue, reaching no shopper.

use std::time::Duration;

use cloudevents::AttributesReader;
use store_events::data::{DraftSource, Role};

use crate::{
    fake_model::FakeModel,
    support::{TestSeller, claimed, eventually, said},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_conversation_gets_no_ai_reply_until_it_is_handed_back() {
    // Arrange: the AI has been answering the shopper.
    let mut seller = TestSeller::spawn().await;
    let chat = "wa:34600000101";
    seller.say(chat, "Hola!").await;
    seller.reply().await;

    // Act: a human takes it over, and the shopper writes.
    seller.claim(chat).await;
    seller.wait_for_handler(chat, "human").await;
    seller.say(chat, "¿tienen zapatillas rojas?").await;

    // Assert: no AI reply, the message kept for the human…
    seller.wait_for_kept(chat, 1).await;
    seller.silent(1000).await;

    // …until the human hands it back: the next message is answered.
    seller.hand_back(chat).await;
    seller.say(chat, "hola de nuevo").await;
    let (_, answer) = seller.reply().await;
    assert!(!answer.is_empty());
    assert_eq!(seller.handler_of(chat).await.as_deref(), Some("ai"));
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_queued_or_in_flight_when_a_human_claims_get_no_ai_reply() {
    // Arrange: a model that takes 5 s over its first answer holds the first
    // turn in flight…
    let model = FakeModel::slow_first(Duration::from_secs(5), "¡Claro! ¿Qué talla usas?").await;
    let mut seller = TestSeller::spawn_with(Some(model.config())).await;
    let chat = "wa:34600000102";
    seller.say(chat, "Hola, busco zapatillas").await;
    eventually("the first turn is asking the model", || async {
        model.requests().await.len() == 1
    })
    .await;
    // …while two more messages of the conversation wait in its shard.
    seller.say(chat, "talla 38").await;
    seller.say(chat, "¿las tienen en rojo?").await;

    // Act: a human claims the conversation meanwhile.
    seller.claim(chat).await;

    // Assert: the claim took effect while the first turn was still running…
    seller.wait_for_handler(chat, "human").await;
    let turns: i64 = sqlx::query_scalar("select count(*) from turn")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();
    assert_eq!(
        turns, 0,
        "the first turn ended before the claim was applied"
    );
    // …and once all three messages are handled, none got an AI reply: the
    // running turn's answer was withheld, the queued ones never reached the
    // model, all three are kept for the human.
    eventually("the three messages are handled", || async {
        let turns: i64 = sqlx::query_scalar("select count(*) from turn")
            .fetch_one(&seller.app.pool)
            .await
            .unwrap();
        turns == 3
    })
    .await;
    assert_eq!(seller.kept_for_human(chat).await, 3);
    assert_eq!(
        seller
            .app
            .metric("seller_replies_withheld_total", &[("brand", "fashion")])
            .await,
        1.0
    );
    let sent: i64 = sqlx::query_scalar("select count(*) from turn where outbox <> '[]'::jsonb")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();
    assert_eq!(sent, 0, "a turn has something to publish");
    assert_eq!(model.requests().await.len(), 1);
    seller.silent(1000).await;
    assert_eq!(
        seller
            .app
            .metric(
                "store_events_published_total",
                &[("type", "store.chat.response")]
            )
            .await,
        0.0
    );
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_for_a_conversation_never_seen_silences_its_first_message() {
    // Arrange
    let mut seller = TestSeller::spawn().await;
    let chat = "tg:777000111";

    // Act: a human claims a conversation the seller has no memory of, then
    // the shopper writes.
    seller.claim(chat).await;
    seller.wait_for_handler(chat, "human").await;
    seller.say(chat, "Hola!").await;

    // Assert: silent, the message kept for the human, and the shopper now
    // known to the seller's memory.
    seller.wait_for_kept(chat, 1).await;
    seller.silent(1000).await;
    let shopper: Option<String> =
        sqlx::query_scalar("select customer_id from conversation where conversation_id = $1")
            .bind(chat)
            .fetch_one(&seller.app.pool)
            .await
            .unwrap();
    assert_eq!(shopper.as_deref(), Some("cust-tg:777000111"));
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_escalation_is_answered_by_the_ai_meanwhile() {
    // Arrange: the shopper asks for a person and the seller hands over.
    let mut seller = TestSeller::spawn().await;
    let chat = "wa:34600000104";
    seller.say(chat, "quiero hablar con una persona").await;
    let mut types = vec![
        seller.next().await.ty().to_owned(),
        seller.next().await.ty().to_owned(),
    ];
    types.sort();
    assert_eq!(types, ["store.chat.response", "store.sales.escalate"]);

    // Act: no seller is signed in, so the sales assistant defers it.
    seller.defer(chat).await;
    seller.wait_for_handler(chat, "ai").await;
    seller.say(chat, "hola, ¿sigues ahí?").await;

    // Assert: the AI answers meanwhile.
    let (_, answer) = seller.reply().await;
    assert!(!answer.is_empty());
    assert_eq!(seller.kept_for_human(chat).await, 0);
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_claim_delivered_twice_has_one_effect() {
    // Arrange
    let mut seller = TestSeller::spawn().await;
    let chat = "wa:34600000106";
    let claim = claimed(chat);

    // Act: the broker delivers the claim twice.
    seller.app.bus.publish(claim.clone()).await.unwrap();
    seller.app.bus.publish(claim.clone()).await.unwrap();

    // Assert: both deliveries handled without an error, applied once.
    eventually("both deliveries of the claim are handled", || async {
        seller
            .app
            .metric(
                "store_events_consumed_total",
                &[("type", "store.sales.claimed")],
            )
            .await
            == 2.0
    })
    .await;
    for failure in [
        "store_events_failed_total",
        "store_events_dead_lettered_total",
    ] {
        assert_eq!(
            seller
                .app
                .metric(failure, &[("type", "store.sales.claimed")])
                .await,
            0.0,
            "{failure}"
        );
    }
    let applied: i64 =
        sqlx::query_scalar("select count(*) from processed_event where event_id = $1")
            .bind(claim.id())
            .fetch_one(&seller.app.pool)
            .await
            .unwrap();
    assert_eq!(applied, 1);
    assert_eq!(seller.handler_of(chat).await.as_deref(), Some("human"));
    seller.silent(500).await;
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_claim_arriving_after_the_hand_back_changes_nothing() {
    // Arrange: a claim made, then the conversation handed back…
    let mut seller = TestSeller::spawn().await;
    let chat = "wa:34600000107";
    let late_claim = claimed(chat);
    seller.hand_back(chat).await;
    eventually("the hand-back is applied", || async {
        let set: Option<bool> = sqlx::query_scalar(
            "select handler_set_at is not null from conversation where conversation_id = $1",
        )
        .bind(chat)
        .fetch_optional(&seller.app.pool)
        .await
        .unwrap();
        set == Some(true)
    })
    .await;

    // Act: …but the claim reaches the seller only now (a retry).
    seller.app.bus.publish(late_claim).await.unwrap();
    eventually("the late claim is handled", || async {
        seller
            .app
            .metric(
                "store_events_consumed_total",
                &[("type", "store.sales.claimed")],
            )
            .await
            == 1.0
    })
    .await;

    // Assert: the AI still answers.
    assert_eq!(seller.handler_of(chat).await.as_deref(), Some("ai"));
    seller.say(chat, "Hola!").await;
    let (_, answer) = seller.reply().await;
    assert!(!answer.is_empty());
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_answered_once_on_the_reply_queue_and_reaches_no_shopper() {
    // Arrange: a human works a conversation the AI started.
    let mut seller = TestSeller::spawn().await;
    let chat = "wa:34600000105";
    seller.say(chat, "Hola!").await;
    let (_, greeting) = seller.reply().await;
    seller.claim(chat).await;
    seller.wait_for_handler(chat, "human").await;
    let stored: i64 = sqlx::query_scalar("select count(*) from conversation_message")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();

    // Act
    let draft = seller
        .draft(
            chat,
            vec![
                said(Role::Customer, "Hola!"),
                said(Role::Ai, &greeting),
                said(Role::Human, "Hola, soy Bruno, te ayudo yo."),
                said(Role::Customer, "buenas"),
            ],
        )
        .await;

    // Assert: one suggestion by the offline brain, answered once…
    assert_eq!(draft.source, DraftSource::Offline);
    assert!(!draft.text.trim().is_empty());
    eventually("the draft is counted", || async {
        seller
            .app
            .metric("seller_drafts_total", &[("source", "offline")])
            .await
            == 1.0
    })
    .await;
    assert_eq!(
        seller
            .app
            .metric(
                "store_events_published_total",
                &[("type", "store.sales.draft.result")]
            )
            .await,
        1.0
    );
    // …nothing sent to the shopper, nothing recorded.
    seller.silent(1000).await;
    let after: i64 = sqlx::query_scalar("select count(*) from conversation_message")
        .fetch_one(&seller.app.pool)
        .await
        .unwrap();
    assert_eq!(after, stored, "the draft was recorded");
    assert_eq!(
        seller
            .app
            .metric(
                "store_events_published_total",
                &[("type", "store.chat.response")]
            )
            .await,
        1.0,
        "only the greeting went to the shopper"
    );
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_models_draft_is_one_completion_without_tools_with_unbacked_prices_cut() {
    // Arrange: a model that states a price no tool result of the
    // conversation gave.
    let model =
        FakeModel::answering("¡Hola Ana! Las tenemos en rojo. Cuestan 59,90 €. ¿Te reservo unas?")
            .await;
    let mut seller = TestSeller::spawn_with(Some(model.config())).await;
    let chat = "wa:34600000108";
    seller.claim(chat).await;
    seller.wait_for_handler(chat, "human").await;

    // Act
    let draft = seller
        .draft(
            chat,
            vec![
                said(Role::Customer, "¿tienen zapatillas rojas?"),
                said(Role::Human, "Hola, soy Bruno."),
            ],
        )
        .await;

    // Assert: the model's words without the unbacked price…
    assert_eq!(draft.source, DraftSource::Llm);
    assert_eq!(
        draft.text,
        "¡Hola Ana! Las tenemos en rojo. ¿Te reservo unas?"
    );
    // …from one completion with the persona and the transcript, no tools.
    let requests = model.requests().await;
    assert_eq!(requests.len(), 1);
    let body = &requests[0];
    assert!(body.get("tools").is_none(), "{body}");
    let prompt = body["messages"].to_string();
    assert!(prompt.contains("Lía"), "the persona: {prompt}");
    assert!(
        prompt.contains("Shopper: ¿tienen zapatillas rojas?")
            && prompt.contains("The human seller: Hola, soy Bruno."),
        "the transcript: {prompt}"
    );
    assert_eq!(
        seller
            .app
            .metric("seller_guard_interventions_total", &[("brand", "fashion")])
            .await,
        1.0
    );
    seller.silent(500).await;
    seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_model_fails_the_offline_brain_drafts() {
    // Arrange
    let model = FakeModel::failing(503).await;
    let mut seller = TestSeller::spawn_with(Some(model.config())).await;
    let chat = "wa:34600000109";

    // Act
    let draft = seller.draft(chat, vec![said(Role::Customer, "hola")]).await;

    // Assert
    assert_eq!(draft.source, DraftSource::Offline);
    assert!(!draft.text.trim().is_empty());
    assert!(
        !model.requests().await.is_empty(),
        "the model was asked first"
    );
    seller.silent(500).await;
    seller.stop().await;
}
