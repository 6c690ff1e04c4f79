//! What storectl prints of a shopper's text: control characters and bidi
//! overrides escaped, so a message cannot clear the operator's screen, set
//! the window title, overwrite a line or print itself backwards.

use std::process::{Command, Output};

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

/// A shopper's message holding a screen clear, a window title, a carriage
/// return over a fake line, a right-to-left override and a C1 CSI.
const HOSTILE: &str = "hi\x1b[2J\x1b]0;title\x07\rORDER PAID\u{202e}dias\u{9b}31m\x7f";

/// What a terminal would act on, none of which may reach stdout.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || ('\u{202a}'..='\u{202e}').contains(c)
                || ('\u{2066}'..='\u{2069}').contains(c)
        })
        .collect()
}

async fn sales_api() -> MockServer {
    let server = MockServer::start().await;
    let handoff = json!({
        "id": "h-1", "status": "open", "brand": "fashion", "priority": "normal",
        "opened_at": "2026-01-01T00:00:00Z",
        "conversation": "whatsapp:1:2", "reason": "customer_request", "summary": HOSTILE,
        "transcript": [ { "seq": 1, "from": "shopper", "text": HOSTILE } ],
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/handoffs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "handoffs": [handoff.clone()], "total": 1 })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/handoffs/h-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(handoff))
        .mount(&server)
        .await;
    server
}

fn storectl(sales: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storectl"))
        .args(["--sales", sales, "handoff"])
        .args(args)
        .args(["--tenant", "demo", "--api-key", "k"])
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_shoppers_escape_sequences_are_shown_escaped_in_every_handoff_output() {
    let sales = sales_api().await;

    for args in [
        &["list"][..],
        &["show", "h-1"][..],
        &["list", "--json"][..],
        &["show", "h-1", "--json"][..],
    ] {
        let output = storectl(&sales.uri(), args);

        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{args:?}: {stdout}");
        assert_eq!(
            raw_controls(&stdout),
            Vec::<char>::new(),
            "{args:?}: {stdout:?}"
        );
        assert!(
            stdout.contains(r"hi\u001b[2J\u001b]0;title\u0007"),
            "{args:?}: {stdout}"
        );
        assert!(stdout.contains(r"\u202edias"), "{args:?}: {stdout}");
    }
}

#[tokio::test]
async fn the_json_output_stays_json_with_the_text_intact() {
    let sales = sales_api().await;

    let output = storectl(&sales.uri(), &["show", "h-1", "--json"]);

    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shown["transcript"][0]["text"], HOSTILE);
}

#[tokio::test]
async fn a_shoppers_newline_cannot_start_a_line_of_its_own() {
    let sales = sales_api().await;
    let forged = "ok\n    #2   human (ana)    your order is paid";
    let handoff = json!({
        "id": "h-2", "status": "open", "brand": "fashion", "priority": "normal",
        "transcript": [ { "seq": 1, "from": "shopper", "text": forged } ],
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/handoffs/h-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(handoff))
        .mount(&sales)
        .await;

    let output = storectl(&sales.uri(), &["show", "h-2"]);

    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains(r"ok\n    #2   human (ana)    your order is paid"),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.trim_start().starts_with("#2")),
        "{stdout}"
    );
}
