//! The Anthropic client against a fake Messages API server that speaks the
//! real wire format, through the same retries and breaker the seller uses
//! (`llm::client`).

use std::time::{Duration, Instant};

use secrecy::SecretString;
use seller_agent::llm::{
    self, ChatRequest, LlmConfig, LlmError, Message, Provider, StopReason, ToolCall, ToolSpec,
    Usage,
};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

const KEY: &str = "sk-ant-test-0123456789";

fn config(server: &MockServer) -> LlmConfig {
    let mut config = LlmConfig::new(Provider::Anthropic, server.uri(), "claude-sonnet-4-5");
    config.api_key = Some(SecretString::from(KEY));
    config.timeout = Duration::from_secs(5);
    config.max_retries = 2;
    config.initial_backoff = Duration::from_millis(10);
    config.max_backoff = Duration::from_secs(2);
    config
}

fn search_tool() -> ToolSpec {
    ToolSpec {
        name: "search_products".into(),
        description: "Search the catalog.".into(),
        parameters: json!({
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        }),
    }
}

fn request(messages: Vec<Message>) -> ChatRequest {
    ChatRequest {
        system: "You are Leo, the seller of Tech Corner.".into(),
        messages,
        tools: vec![search_tool()],
        max_tokens: 1024,
        temperature: None,
    }
}

fn message(content: Value, stop_reason: &str) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {"input_tokens": 120, "output_tokens": 33},
    })
}

fn text_message(text: &str) -> Value {
    message(json!([{"type": "text", "text": text}]), "end_turn")
}

fn anthropic_error(status: u16, kind: &str, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "type": "error",
        "error": {"type": kind, "message": text},
    }))
}

async fn mount_once(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(response)
        .up_to_n_times(1)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

#[tokio::test]
async fn a_text_answer_comes_back_with_usage_and_model() {
    // Arrange
    let server = MockServer::start().await;
    mount_once(
        &server,
        ResponseTemplate::new(200).set_body_json(text_message("Hello! What are you looking for?")),
    )
    .await;
    let client = llm::client(&config(&server)).unwrap();

    // Act
    let reply = client
        .chat(&request(vec![Message::user("hi")]))
        .await
        .unwrap();

    // Assert
    assert_eq!(reply.text, "Hello! What are you looking for?");
    assert_eq!(reply.stop, StopReason::EndTurn);
    assert_eq!(
        reply.usage,
        Usage {
            input_tokens: 120,
            output_tokens: 33
        }
    );
    assert_eq!(reply.model, "claude-sonnet-4-5-20250929");
    assert_eq!(
        (client.provider(), client.model()),
        ("anthropic", "claude-sonnet-4-5")
    );
    let sent = &requests(&server).await[0];
    assert_eq!(
        sent.body_json::<Value>().unwrap(),
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": "You are Leo, the seller of Tech Corner.",
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{
                "name": "search_products",
                "description": "Search the catalog.",
                "input_schema": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}},
                    "required": ["query"],
                },
            }],
        })
    );
}

#[tokio::test]
async fn a_tool_use_round_trip_sends_one_user_message_of_results() {
    // Arrange
    let server = MockServer::start().await;
    let tool_use = message(
        json!([
            {"type": "text", "text": "Let me look."},
            {"type": "tool_use", "id": "toolu_01", "name": "search_products", "input": {"query": "usb-c cable"}},
            {"type": "tool_use", "id": "toolu_02", "name": "search_products", "input": {"query": "charger"}},
        ]),
        "tool_use",
    );
    mount_once(&server, ResponseTemplate::new(200).set_body_json(tool_use)).await;
    mount_once(
        &server,
        ResponseTemplate::new(200).set_body_json(text_message("The cable is 9.99 EUR.")),
    )
    .await;
    let client = llm::client(&config(&server)).unwrap();
    let mut messages = vec![Message::user("cable and charger?")];

    // Act
    let first = client.chat(&request(messages.clone())).await.unwrap();
    messages.push(Message::assistant(
        first.text.clone(),
        first.tool_calls.clone(),
    ));
    messages.push(Message::tool_result(
        "toolu_01",
        r#"[{"sku":"C-1","price":"9.99"}]"#,
        false,
    ));
    messages.push(Message::tool_result(
        "toolu_02",
        "catalog unavailable",
        true,
    ));
    // A call whose stored arguments are not JSON (say, from another provider).
    messages.push(Message::assistant(
        "",
        vec![ToolCall {
            id: "toolu_03".into(),
            name: "search_products".into(),
            arguments: r#"{"query": "cha"#.into(),
        }],
    ));
    messages.push(Message::tool_result(
        "toolu_03",
        "arguments are not valid JSON",
        true,
    ));
    let second = client.chat(&request(messages)).await.unwrap();

    // Assert
    assert_eq!(first.stop, StopReason::ToolUse);
    assert_eq!(first.text, "Let me look.");
    assert_eq!(
        first.tool_calls,
        vec![
            ToolCall {
                id: "toolu_01".into(),
                name: "search_products".into(),
                arguments: r#"{"query":"usb-c cable"}"#.into(),
            },
            ToolCall {
                id: "toolu_02".into(),
                name: "search_products".into(),
                arguments: r#"{"query":"charger"}"#.into(),
            },
        ]
    );
    assert_eq!(second.text, "The cable is 9.99 EUR.");
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].headers.get("x-api-key").unwrap(), KEY);
    assert_eq!(
        sent[1].headers.get("anthropic-version").unwrap(),
        "2023-06-01"
    );
    assert_eq!(
        sent[1].headers.get("content-type").unwrap(),
        "application/json"
    );
    assert!(sent[1].headers.get("authorization").is_none());
    let body: Value = sent[1].body_json().unwrap();
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": "cable and charger?"},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "toolu_01", "name": "search_products", "input": {"query": "usb-c cable"}},
                {"type": "tool_use", "id": "toolu_02", "name": "search_products", "input": {"query": "charger"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "[{\"sku\":\"C-1\",\"price\":\"9.99\"}]", "is_error": false},
                {"type": "tool_result", "tool_use_id": "toolu_02", "content": "catalog unavailable", "is_error": true},
            ]},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_03", "name": "search_products", "input": {"unparsed_arguments": "{\"query\": \"cha"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_03", "content": "arguments are not valid JSON", "is_error": true},
            ]},
        ])
    );
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    // Arrange
    let server = MockServer::start().await;
    mount_once(
        &server,
        anthropic_error(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
        )
        .insert_header("retry-after", "1"),
    )
    .await;
    mount_once(
        &server,
        ResponseTemplate::new(200).set_body_json(text_message("hi")),
    )
    .await;
    let client = llm::client(&config(&server)).unwrap();
    let started = Instant::now();

    // Act
    let reply = client
        .chat(&request(vec![Message::user("hello")]))
        .await
        .unwrap();

    // Assert
    assert_eq!(reply.text, "hi");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_until_an_answer() {
    // Arrange
    let server = MockServer::start().await;
    mount_once(
        &server,
        anthropic_error(500, "api_error", "Internal server error"),
    )
    .await;
    mount_once(
        &server,
        anthropic_error(500, "api_error", "Internal server error"),
    )
    .await;
    mount_once(
        &server,
        ResponseTemplate::new(200).set_body_json(text_message("hi")),
    )
    .await;
    let client = llm::client(&config(&server)).unwrap();

    // Act
    let reply = client
        .chat(&request(vec![Message::user("hello")]))
        .await
        .unwrap();

    // Assert
    assert_eq!(reply.text, "hi");
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn overloaded_529_is_retried_and_its_message_kept() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(anthropic_error(529, "overloaded_error", "Overloaded"))
        .mount(&server)
        .await;
    let client = llm::client(&config(&server)).unwrap();

    // Act
    let error = client
        .chat(&request(vec![Message::user("hello")]))
        .await
        .unwrap_err();

    // Assert
    assert!(
        matches!(&error, LlmError::Status { status: 529, message, .. } if message == "Overloaded"),
        "{error:?}"
    );
    assert_eq!(requests(&server).await.len(), 3, "one try and two retries");
}

#[tokio::test]
async fn a_slow_server_times_out_after_the_retries() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(text_message("too late"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.timeout = Duration::from_millis(200);
    config.max_retries = 1;
    let client = llm::client(&config).unwrap();

    // Act
    let error = client
        .chat(&request(vec![Message::user("hello")]))
        .await
        .unwrap_err();

    // Assert
    assert!(
        matches!(error, LlmError::Timeout(t) if t == Duration::from_millis(200)),
        "{error:?}"
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_400_is_not_retried_and_keeps_the_provider_message() {
    // Arrange
    let server = MockServer::start().await;
    mount_once(
        &server,
        anthropic_error(
            400,
            "invalid_request_error",
            "messages: roles must alternate",
        ),
    )
    .await;
    let client = llm::client(&config(&server)).unwrap();

    // Act
    let error = client
        .chat(&request(vec![Message::user("hello")]))
        .await
        .unwrap_err();

    // Assert
    assert!(
        matches!(
            &error,
            LlmError::Status { status: 400, message, retry_after: None }
                if message == "messages: roles must alternate"
        ),
        "{error:?}"
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn an_answer_without_usage_is_a_protocol_error() {
    // Arrange
    let server = MockServer::start().await;
    mount_once(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"type": "message", "content": []})),
    )
    .await;
    let client = llm::client(&config(&server)).unwrap();

    // Act
    let error = client
        .chat(&request(vec![Message::user("hello")]))
        .await
        .unwrap_err();

    // Assert
    assert!(matches!(error, LlmError::Protocol(_)), "{error:?}");
}
