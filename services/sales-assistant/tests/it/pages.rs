//! The inbox list and the conversation page as a seller sees them: the
//! queue and the watch list, the transcript, who has the conversation,
//! the actions offered, HTML from shoppers shown as text, and 404 for a
//! brand the seller does not work.

use sales_assistant::accounts::Role;
use serde_json::json;
use store_events::data::Priority;

use crate::helpers::{BRAND, TestApp, escalation, shopper_message};

const CONVERSATION: &str = "whatsapp:5511999990000";
const PATH: &str = "/inbox/conversations/whatsapp:5511999990000";

#[tokio::test]
async fn a_seller_sees_the_escalation_in_the_queue_and_works_it_from_its_page() {
    let app = TestApp::spawn().await;
    let key = app.tenant("shop").await;
    let ana = app.account("shop", Role::Seller, &[BRAND]).await;
    let browser = ana.browser().await;

    app.publish(&shopper_message(
        "shop",
        CONVERSATION,
        "<script>alert('x')</script> my sneakers are torn",
    ))
    .await;
    app.publish(&escalation(
        "shop",
        CONVERSATION,
        "Torn sneakers, wants a refund",
        Priority::High,
    ))
    .await;
    app.wait_for_handoff(&key, CONVERSATION).await;

    let (status, inbox) = browser.get_page("/inbox").await;
    assert_eq!(status, 200, "{inbox}");
    assert!(inbox.contains("Torn sneakers, wants a refund"), "{inbox}");
    assert!(inbox.contains("The shopper asked for a person"), "{inbox}");
    assert!(inbox.contains("Waiting for a person"), "{inbox}");
    assert!(inbox.contains(PATH), "{inbox}");
    assert!(inbox.contains("urgent"), "{inbox}");
    assert!(
        !inbox.contains("<script>alert"),
        "shopper HTML must be escaped: {inbox}"
    );

    let (status, page) = browser.get_page(PATH).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("&#60;script&#62;alert"),
        "shown as text: {page}"
    );
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("id=\"claim\""),
        "a waiting conversation offers Claim: {page}"
    );
    assert!(
        page.contains("my sneakers are torn"),
        "the transcript: {page}"
    );
    assert!(
        page.contains("Torn sneakers, wants a refund"),
        "the AI's summary: {page}"
    );

    let (status, answer) = browser.post_json(&format!("{PATH}/claim"), json!({})).await;
    assert_eq!(status, 200, "{answer}");
    let (_, page) = browser.get_page(PATH).await;
    assert!(page.contains("You have it"), "{page}");
    assert!(page.contains("id=\"hand-back\""), "{page}");
    assert!(!page.contains("id=\"claim\""), "{page}");

    let (_, mine) = browser.get_page("/inbox?view=mine").await;
    assert!(mine.contains(PATH), "{mine}");
}

#[tokio::test]
async fn a_seller_of_another_brand_neither_sees_nor_opens_the_conversation() {
    let app = TestApp::spawn().await;
    let key = app.tenant("shop").await;
    let other = app.account("shop", Role::Seller, &["hats"]).await;
    let browser = other.browser().await;
    app.publish(&escalation(
        "shop",
        CONVERSATION,
        "Only for the shoes team",
        Priority::Normal,
    ))
    .await;
    app.wait_for_handoff(&key, CONVERSATION).await;

    let (status, inbox) = browser.get_page("/inbox?view=all").await;
    assert_eq!(status, 200, "{inbox}");
    assert!(!inbox.contains("Only for the shoes team"), "{inbox}");
    let (status, _) = browser.get_page(PATH).await;
    assert_eq!(status, 404);
    let (status, _) = browser.post_json(&format!("{PATH}/claim"), json!({})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_pages_scripts_and_styles_are_served_and_nothing_runs_inline() {
    let app = TestApp::spawn().await;
    app.tenant("shop").await;
    let ana = app.account("shop", Role::Seller, &[BRAND]).await;
    let browser = ana.browser().await;
    for asset in ["inbox.js", "inbox.css"] {
        let (status, body) = browser.get_page(&format!("/inbox/assets/{asset}")).await;
        assert_eq!(status, 200, "{asset}");
        assert!(body.len() > 500, "{asset}");
    }
    let (_, inbox) = browser.get_page("/inbox").await;
    assert!(inbox.contains("<script src=\"/inbox/assets/inbox.js\" defer></script>"));
    assert!(!inbox.contains("<script>"), "no inline script: {inbox}");
    assert!(!inbox.contains(" style=\""), "no inline style: {inbox}");
    assert!(!inbox.contains(" onclick="), "no inline handlers: {inbox}");
}
