//! A fake OpenAI-compatible LLM endpoint that fails the ways a hosted model
//! fails: refusing connections, answering 500, or hanging. A seller pointed
//! at it must still answer every shopper (its offline brain takes over).

use std::time::Duration;

use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

/// How the endpoint fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmFailure {
    /// Nothing listens: every connection is refused.
    Refusing,
    /// Every request is answered 500.
    Failing,
    /// Every request hangs (no answer for ten minutes).
    Hanging,
}

/// A failing endpoint; keep it alive while the seller uses it.
pub struct FakeLlm {
    _server: Option<MockServer>,
    base_url: String,
}

impl FakeLlm {
    /// Starts an endpoint failing as `failure` says.
    pub async fn start(failure: LlmFailure) -> anyhow::Result<Self> {
        let answer = match failure {
            LlmFailure::Refusing => {
                // A port that was free a moment ago and that nobody took.
                let port = store_stack::process::free_port()?;
                return Ok(Self {
                    _server: None,
                    base_url: format!("http://127.0.0.1:{port}/v1"),
                });
            }
            LlmFailure::Failing => ResponseTemplate::new(500).set_body_json(json!({
                "error": { "message": "The server had an error", "type": "server_error" }
            })),
            LlmFailure::Hanging => ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(600))
                .set_body_json(json!({})),
        };
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(matchers::method("POST"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let base_url = format!("{}/v1", server.uri());
        Ok(Self {
            _server: Some(server),
            base_url,
        })
    }

    /// The seller's environment to use this endpoint (OpenAI-compatible,
    /// with a turn budget short enough for the suite).
    pub fn seller_env(&self, turn_budget: Duration) -> Vec<(String, String)> {
        [
            ("LLM_PROVIDER", "openai".to_owned()),
            ("LLM_MODEL", "fault-model".to_owned()),
            ("LLM_BASE_URL", self.base_url.clone()),
            ("LLM_API_KEY", "sk-fault-suite".to_owned()),
            ("LLM_TURN_BUDGET_MS", turn_budget.as_millis().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}
