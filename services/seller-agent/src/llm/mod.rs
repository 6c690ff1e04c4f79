//! Large language models behind one interface.
//!
//! The seller talks to every provider through [`LlmClient`]: a chat request
//! (system prompt, messages, tools) in, text and tool calls out. Providers:
//! an OpenAI-compatible chat-completions client (OpenAI, Ollama, vLLM,
//! llama.cpp server, OpenRouter) and an Anthropic Messages client. Both are
//! wrapped by [`resilience::Resilient`]: per-request timeout, retries with
//! backoff on 429/5xx honouring `retry-after`, and a circuit breaker.
//! What small models get wrong in their answers is mended by [`repair`]
//! (tool calls written as text) and [`coerce`] (arguments of the wrong
//! type).

pub mod anthropic;
pub mod coerce;
mod http;
pub mod openai;
pub mod repair;
pub mod resilience;

use std::{sync::Arc, time::Duration};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The shopper.
    User,
    /// The seller (the model).
    Assistant,
    /// A tool's result, answering one tool call of the previous assistant
    /// message.
    Tool,
}

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// Text (for a tool message: the tool's result, usually JSON).
    pub content: String,
    /// Tool calls the assistant made in this message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For a tool message: the id of the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// For a tool message: the result is an error the model should correct.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
}

impl Message {
    /// A shopper message.
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: text.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
            is_error: false,
        }
    }

    /// A seller message, possibly with tool calls.
    pub fn assistant(text: impl Into<String>, tool_calls: Vec<ToolCall>) -> Self {
        Self {
            role: Role::Assistant,
            content: text.into(),
            tool_calls,
            tool_call_id: None,
            is_error: false,
        }
    }

    /// A tool's result for call `call_id`.
    pub fn tool_result(
        call_id: impl Into<String>,
        content: impl Into<String>,
        is_error: bool,
    ) -> Self {
        Self {
            role: Role::Tool,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.into()),
            is_error,
        }
    }
}

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Provider-assigned id, echoed in the tool result.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments as the JSON text the model produced — possibly malformed;
    /// the caller parses them and reports errors back to the model.
    pub arguments: String,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// Name.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// JSON Schema of its arguments (an object schema).
    pub parameters: serde_json::Value,
}

/// One request to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// System prompt.
    pub system: String,
    /// The conversation so far, oldest first.
    pub messages: Vec<Message>,
    /// Tools the model may call.
    pub tools: Vec<ToolSpec>,
    /// Upper bound on generated tokens.
    pub max_tokens: u32,
    /// Sampling temperature, if set.
    pub temperature: Option<f32>,
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// It finished its answer.
    EndTurn,
    /// It wants tool results.
    ToolUse,
    /// It hit `max_tokens`.
    MaxTokens,
    /// Anything else the provider reported.
    Other,
}

/// Tokens used by one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
}

/// The model's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatReply {
    /// Text (may be empty when it only calls tools).
    pub text: String,
    /// Tool calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// Token usage.
    pub usage: Usage,
    /// Model that answered, as the provider names it.
    pub model: String,
    /// Why it stopped.
    pub stop: StopReason,
}

/// A model could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// No answer within the request timeout.
    #[error("the model did not answer within {0:?}")]
    Timeout(Duration),
    /// The provider answered with an error status.
    #[error("the provider answered {status}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The provider's error message (never our key).
        message: String,
        /// `retry-after`, when the provider sent one.
        retry_after: Option<Duration>,
    },
    /// The provider could not be reached.
    #[error("could not reach the provider: {0}")]
    Transport(String),
    /// The answer did not have the provider's documented shape.
    #[error("unexpected answer from the provider: {0}")]
    Protocol(String),
    /// The circuit breaker is open after repeated failures.
    #[error("the model is unavailable (circuit open after repeated failures)")]
    CircuitOpen,
    /// The configuration cannot work (bad base URL, key not usable as a
    /// header); found when the client is built.
    #[error("invalid LLM configuration: {0}")]
    Config(String),
}

impl LlmError {
    /// True for failures worth retrying (408, 429, 5xx including Anthropic's
    /// 529 "overloaded", timeouts, transport).
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Timeout(_) | LlmError::Transport(_) => true,
            LlmError::Status { status, .. } => matches!(*status, 408 | 429 | 500..),
            LlmError::Protocol(_) | LlmError::CircuitOpen | LlmError::Config(_) => false,
        }
    }
}

/// A chat model.
#[async_trait::async_trait]
pub trait LlmClient: Send + Sync {
    /// Provider name for metrics (`openai`, `anthropic`, …).
    fn provider(&self) -> &str;
    /// Configured model name.
    fn model(&self) -> &str;
    /// One round: the model's reply to `request`.
    async fn chat(&self, request: &ChatRequest) -> Result<ChatReply, LlmError>;
}

/// Which wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// OpenAI chat completions (also Ollama, vLLM, llama.cpp, OpenRouter).
    Openai,
    /// Anthropic Messages.
    Anthropic,
}

/// How to reach one model.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// Wire protocol.
    pub provider: Provider,
    /// Base URL, e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`,
    /// `https://api.anthropic.com`.
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// API key (optional for local servers).
    pub api_key: Option<SecretString>,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// Retries after the first attempt, for retryable failures.
    pub max_retries: u32,
    /// First retry delay (doubled each time, unless `retry-after` says otherwise).
    pub initial_backoff: Duration,
    /// Longest wait between retries (also caps `retry-after`).
    pub max_backoff: Duration,
    /// Consecutive failed calls that open the circuit.
    pub breaker_threshold: u32,
    /// How long the circuit stays open before one trial call.
    pub breaker_cooldown: Duration,
}

impl LlmConfig {
    /// Defaults for `provider` at `base_url` with `model`.
    pub fn new(provider: Provider, base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            provider,
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(60),
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// The client for `config`: the provider's protocol wrapped in retries and a
/// circuit breaker.
pub fn client(config: &LlmConfig) -> Result<Arc<dyn LlmClient>, LlmError> {
    let inner: Arc<dyn LlmClient> = match config.provider {
        Provider::Openai => Arc::new(openai::OpenAiClient::new(config)?),
        Provider::Anthropic => Arc::new(anthropic::AnthropicClient::new(config)?),
    };
    Ok(Arc::new(resilience::Resilient::new(inner, config)))
}
