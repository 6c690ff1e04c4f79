//! Retries, backoff and the circuit breaker of `Resilient`, driven by a
//! scripted fake model under paused tokio time (no HTTP: the wire formats
//! are covered by `llm_openai` and `llm_anthropic`).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use seller_agent::llm::{
    ChatReply, ChatRequest, LlmClient, LlmConfig, LlmError, Message, Provider, StopReason, Usage,
    resilience::Resilient,
};
use tokio::time::Instant;

/// What the fake model does on one call.
#[derive(Debug, Clone, Copy)]
enum Step {
    Answer,
    /// Answers after this long.
    SlowAnswer(Duration),
    Fail(u16),
    RateLimited(Duration),
}

/// A model that follows a script, then answers; it records when it was called.
struct Scripted {
    script: Mutex<VecDeque<Step>>,
    calls: Mutex<Vec<Instant>>,
}

impl Scripted {
    fn new(steps: impl IntoIterator<Item = Step>) -> Arc<Self> {
        Arc::new(Self {
            script: Mutex::new(steps.into_iter().collect()),
            calls: Mutex::new(Vec::new()),
        })
    }

    fn push(&self, steps: impl IntoIterator<Item = Step>) {
        self.script.lock().unwrap().extend(steps);
    }

    fn calls(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    /// Time between consecutive calls.
    fn gaps(&self) -> Vec<Duration> {
        let calls = self.calls.lock().unwrap();
        calls.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

#[async_trait::async_trait]
impl LlmClient for Scripted {
    fn provider(&self) -> &str {
        "scripted"
    }

    fn model(&self) -> &str {
        "fake-1"
    }

    async fn chat(&self, _request: &ChatRequest) -> Result<ChatReply, LlmError> {
        self.calls.lock().unwrap().push(Instant::now());
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Step::Answer);
        match step {
            Step::Answer => Ok(reply()),
            Step::SlowAnswer(delay) => {
                tokio::time::sleep(delay).await;
                Ok(reply())
            }
            Step::Fail(status) => Err(LlmError::Status {
                status,
                message: "scripted failure".into(),
                retry_after: None,
            }),
            Step::RateLimited(after) => Err(LlmError::Status {
                status: 429,
                message: "slow down".into(),
                retry_after: Some(after),
            }),
        }
    }
}

fn reply() -> ChatReply {
    ChatReply {
        text: "ok".into(),
        tool_calls: Vec::new(),
        usage: Usage::default(),
        model: "fake-1".into(),
        stop: StopReason::EndTurn,
    }
}

fn request() -> ChatRequest {
    ChatRequest {
        system: "seller".into(),
        messages: vec![Message::user("hi")],
        tools: Vec::new(),
        max_tokens: 100,
        temperature: None,
    }
}

fn config() -> LlmConfig {
    let mut config = LlmConfig::new(Provider::Openai, "http://unused", "fake-1");
    config.timeout = Duration::from_secs(10);
    config.max_retries = 3;
    config.initial_backoff = Duration::from_millis(100);
    config.max_backoff = Duration::from_millis(250);
    config.breaker_threshold = 3;
    config.breaker_cooldown = Duration::from_secs(30);
    config
}

fn resilient(fake: &Arc<Scripted>, config: &LlmConfig) -> Arc<Resilient> {
    Arc::new(Resilient::new(fake.clone(), config))
}

/// Opens the breaker of a fresh `Resilient` (threshold 3, no retries).
async fn opened(fake: &Arc<Scripted>) -> Arc<Resilient> {
    let mut config = config();
    config.max_retries = 0;
    let client = resilient(fake, &config);
    fake.push([Step::Fail(503); 3]);
    for _ in 0..3 {
        client.chat(&request()).await.unwrap_err();
    }
    assert!(client.is_open());
    client
}

#[tokio::test(start_paused = true)]
async fn retries_back_off_exponentially_up_to_the_cap() {
    // Arrange
    let fake = Scripted::new([Step::Fail(503), Step::Fail(500), Step::Fail(502)]);
    let client = resilient(&fake, &config());

    // Act
    let reply = client.chat(&request()).await;

    // Assert
    assert_eq!(reply.unwrap().text, "ok");
    assert_eq!(
        fake.gaps(),
        [100, 200, 250].map(Duration::from_millis).to_vec(),
        "100 ms doubled, capped at 250 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_capped() {
    // Arrange
    let fake = Scripted::new([
        Step::RateLimited(Duration::from_secs(1)),
        Step::RateLimited(Duration::from_secs(60)),
    ]);
    let mut config = config();
    config.max_backoff = Duration::from_secs(5);
    let client = resilient(&fake, &config);

    // Act
    client.chat(&request()).await.unwrap();

    // Assert
    assert_eq!(
        fake.gaps(),
        vec![Duration::from_secs(1), Duration::from_secs(5)]
    );
}

#[tokio::test(start_paused = true)]
async fn retries_stop_after_max_retries_with_the_last_error() {
    // Arrange
    let fake = Scripted::new([Step::Fail(503); 10]);
    let client = resilient(&fake, &config());

    // Act
    let error = client.chat(&request()).await.unwrap_err();

    // Assert
    assert!(
        matches!(error, LlmError::Status { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(fake.calls(), 4, "one try and three retries");
}

#[tokio::test(start_paused = true)]
async fn a_client_error_is_not_retried() {
    // Arrange
    let fake = Scripted::new([Step::Fail(400)]);
    let client = resilient(&fake, &config());

    // Act
    let error = client.chat(&request()).await.unwrap_err();

    // Assert
    assert!(
        matches!(error, LlmError::Status { status: 400, .. }),
        "{error:?}"
    );
    assert_eq!(fake.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_attempt_times_out_and_is_retried() {
    // Arrange
    let fake = Scripted::new([Step::SlowAnswer(Duration::from_secs(3600))]);
    let client = resilient(&fake, &config());

    // Act
    let reply = client.chat(&request()).await;

    // Assert
    assert_eq!(reply.unwrap().text, "ok");
    assert_eq!(
        fake.gaps(),
        vec![Duration::from_secs(10) + Duration::from_millis(100)]
    );
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_after_threshold_failed_calls_and_fails_fast() {
    // Arrange: each call is one try and one retry.
    let fake = Scripted::new([Step::Fail(503); 6]);
    let mut config = config();
    config.max_retries = 1;
    let client = resilient(&fake, &config);
    for _ in 0..3 {
        client.chat(&request()).await.unwrap_err();
    }

    // Act
    let started = Instant::now();
    let error = client.chat(&request()).await.unwrap_err();

    // Assert
    assert!(matches!(error, LlmError::CircuitOpen), "{error:?}");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(fake.calls(), 6, "the open breaker did not call the model");
}

#[tokio::test(start_paused = true)]
async fn a_success_resets_the_failure_count() {
    // Arrange
    let fake = Scripted::new([
        Step::Fail(503),
        Step::Fail(503),
        Step::Answer,
        Step::Fail(503),
        Step::Fail(503),
    ]);
    let mut config = config();
    config.max_retries = 0;
    let client = resilient(&fake, &config);

    // Act
    for _ in 0..5 {
        let _ = client.chat(&request()).await;
    }

    // Assert
    assert!(!client.is_open());
}

#[tokio::test(start_paused = true)]
async fn client_errors_do_not_open_the_breaker() {
    // Arrange
    let fake = Scripted::new([Step::Fail(400); 5]);
    let client = resilient(&fake, &config());

    // Act
    for _ in 0..5 {
        let error = client.chat(&request()).await.unwrap_err();
        assert!(
            matches!(error, LlmError::Status { status: 400, .. }),
            "{error:?}"
        );
    }

    // Assert
    assert!(!client.is_open());
}

#[tokio::test(start_paused = true)]
async fn after_the_cooldown_a_successful_trial_closes_the_breaker() {
    // Arrange
    let fake = Scripted::new([]);
    let client = opened(&fake).await;

    // Act
    tokio::time::advance(Duration::from_secs(29)).await;
    let during_cooldown = client.chat(&request()).await;
    tokio::time::advance(Duration::from_secs(1)).await;
    let trial = client.chat(&request()).await;

    // Assert
    assert!(matches!(during_cooldown, Err(LlmError::CircuitOpen)));
    assert_eq!(trial.unwrap().text, "ok");
    assert!(!client.is_open());
    assert_eq!(client.chat(&request()).await.unwrap().text, "ok");
    assert_eq!(fake.calls(), 5, "three failures, the trial, one more");
}

#[tokio::test(start_paused = true)]
async fn a_failed_trial_opens_the_breaker_again_at_once() {
    // Arrange
    let fake = Scripted::new([]);
    let client = opened(&fake).await;
    fake.push([Step::Fail(503)]);
    tokio::time::advance(Duration::from_secs(30)).await;

    // Act
    let trial = client.chat(&request()).await;
    let next = client.chat(&request()).await;

    // Assert
    assert!(matches!(trial, Err(LlmError::Status { status: 503, .. })));
    assert!(
        matches!(next, Err(LlmError::CircuitOpen)),
        "one failure is enough"
    );
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(client.chat(&request()).await.unwrap().text, "ok");
}

#[tokio::test(start_paused = true)]
async fn only_one_trial_runs_while_half_open() {
    // Arrange
    let fake = Scripted::new([]);
    let client = opened(&fake).await;
    fake.push([Step::SlowAnswer(Duration::from_secs(2))]);
    tokio::time::advance(Duration::from_secs(30)).await;

    // Act
    let trial = tokio::spawn({
        let client = client.clone();
        async move { client.chat(&request()).await }
    });
    tokio::task::yield_now().await;
    let meanwhile = client.chat(&request()).await;

    // Assert
    assert!(matches!(meanwhile, Err(LlmError::CircuitOpen)));
    assert_eq!(trial.await.unwrap().unwrap().text, "ok");
    assert!(!client.is_open());
}

#[tokio::test(start_paused = true)]
async fn an_abandoned_trial_lets_the_next_call_try() {
    // Arrange
    let fake = Scripted::new([]);
    let client = opened(&fake).await;
    fake.push([Step::SlowAnswer(Duration::from_secs(5))]);
    tokio::time::advance(Duration::from_secs(30)).await;

    // Act: the caller gives up on the trial.
    let abandoned = tokio::time::timeout(Duration::from_secs(1), client.chat(&request())).await;
    let next = client.chat(&request()).await;

    // Assert
    assert!(abandoned.is_err());
    assert_eq!(next.unwrap().text, "ok");
    assert!(!client.is_open());
}

#[tokio::test(start_paused = true)]
async fn a_zero_threshold_disables_the_breaker() {
    // Arrange
    let fake = Scripted::new([Step::Fail(503); 10]);
    let mut config = config();
    config.max_retries = 0;
    config.breaker_threshold = 0;
    let client = resilient(&fake, &config);

    // Act
    for _ in 0..10 {
        client.chat(&request()).await.unwrap_err();
    }

    // Assert
    assert!(!client.is_open());
    assert_eq!(fake.calls(), 10);
}
