//! Liveness and readiness: the checks a service registers (broker, database,
//! …), how they are run, and the ops HTTP server that exposes them together
//! with the metrics ([`ops_router`], [`serve_ops`]).

mod router;

use std::{future::Future, sync::Arc, time::Duration};

use async_trait::async_trait;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use router::{health_router, ops_router, serve_ops, serve_ops_on};

/// How long one check may take before it counts as failed.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Longest failure message reported; longer ones are cut.
const MAX_MESSAGE_CHARS: usize = 300;

/// One dependency the service needs to serve traffic.
///
/// The error message is shown on `/readyz`: keep it about what failed
/// ("connection refused"), never credentials. URLs with a user/password are
/// redacted as a safety net, but only that.
#[async_trait]
pub trait ReadinessCheck: Send + Sync {
    /// A short, stable name (`rabbitmq`, `postgres`).
    fn name(&self) -> &str;

    /// `Ok(())` when the dependency is usable.
    async fn check(&self) -> Result<(), String>;
}

/// A [`ReadinessCheck`] from a name and an async closure; see [`check_fn`].
pub struct FnCheck<F> {
    name: String,
    check: F,
}

/// A readiness check from a closure returning a future, e.g.
/// `check_fn("postgres", move || { let pool = pool.clone(); async move { … } })`.
pub fn check_fn<F, Fut>(name: impl Into<String>, check: F) -> FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), String>> + Send,
{
    FnCheck {
        name: name.into(),
        check,
    }
}

#[async_trait]
impl<F, Fut> ReadinessCheck for FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), String>> + Send,
{
    fn name(&self) -> &str {
        &self.name
    }

    async fn check(&self) -> Result<(), String> {
        (self.check)().await
    }
}

/// Fails once the token is cancelled, so a stopping instance leaves the load
/// balancer before its servers close.
struct NotShuttingDown(CancellationToken);

#[async_trait]
impl ReadinessCheck for NotShuttingDown {
    fn name(&self) -> &str {
        "shutdown"
    }

    async fn check(&self) -> Result<(), String> {
        if self.0.is_cancelled() {
            Err("shutting down".to_owned())
        } else {
            Ok(())
        }
    }
}

/// The set of readiness checks of a service; cheap to clone.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<Arc<dyn ReadinessCheck>>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.checks.iter().map(|check| check.name()).collect();
        f.debug_struct("Readiness").field("checks", &names).finish()
    }
}

impl Readiness {
    /// No checks: always ready.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a check.
    pub fn with(self, check: impl ReadinessCheck + 'static) -> Self {
        self.with_arc(Arc::new(check))
    }

    /// Adds a shared check.
    pub fn with_arc(mut self, check: Arc<dyn ReadinessCheck>) -> Self {
        self.checks.push(check);
        self
    }

    /// Adds a check that fails once `shutdown` is cancelled.
    pub fn with_shutdown(self, shutdown: CancellationToken) -> Self {
        self.with(NotShuttingDown(shutdown))
    }

    /// Runs every check concurrently, each bounded by [`CHECK_TIMEOUT`].
    pub async fn run(&self) -> ReadinessReport {
        let runs = self.checks.iter().map(|check| async move {
            let outcome = match tokio::time::timeout(CHECK_TIMEOUT, check.check()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(message)) => Err(sanitize(&message)),
                Err(_) => Err(format!("timed out after {}s", CHECK_TIMEOUT.as_secs())),
            };
            if let Err(error) = &outcome {
                tracing::warn!(check = check.name(), %error, "readiness check failed");
            }
            CheckOutcome {
                name: check.name().to_owned(),
                ok: outcome.is_ok(),
                error: outcome.err(),
            }
        });
        let checks = futures::future::join_all(runs).await;
        ReadinessReport {
            ready: checks.iter().all(|check| check.ok),
            checks,
        }
    }
}

/// The result of [`Readiness::run`], as served on `/readyz`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReadinessReport {
    /// Whether every check passed.
    pub ready: bool,
    /// Each check, in registration order.
    pub checks: Vec<CheckOutcome>,
}

/// The outcome of one check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckOutcome {
    /// The check's name.
    pub name: String,
    /// Whether it passed.
    pub ok: bool,
    /// Why it failed (redacted, truncated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Redacts `user:password@` in URLs and caps the length.
fn sanitize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(scheme_end) = rest.find("://") {
        let (before, after) = rest.split_at(scheme_end + 3);
        out.push_str(before);
        let authority_end = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(after.len());
        match after[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &after[at..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    if out.chars().count() > MAX_MESSAGE_CHARS {
        out = out.chars().take(MAX_MESSAGE_CHARS).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_redacts_credentials_in_urls() {
        let message =
            "cannot connect to amqp://store:s3cret@rabbit:5672/%2f and postgres://u:p@db/x";

        let sanitized = sanitize(message);

        assert_eq!(
            sanitized,
            "cannot connect to amqp://***@rabbit:5672/%2f and postgres://***@db/x"
        );
    }

    #[test]
    fn sanitize_keeps_urls_without_credentials_and_caps_length() {
        assert_eq!(
            sanitize("GET http://db:5432/ failed"),
            "GET http://db:5432/ failed"
        );
        assert_eq!(
            sanitize(&"x".repeat(1000)).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_check_times_out_and_the_others_still_report() {
        // Arrange
        let readiness = Readiness::new()
            .with(check_fn("slow", || {
                std::future::pending::<Result<(), String>>()
            }))
            .with(check_fn("fast", || async { Ok(()) }));

        // Act
        let report = readiness.run().await;

        // Assert
        assert!(!report.ready);
        assert_eq!(
            report.checks[0].error.as_deref(),
            Some("timed out after 2s")
        );
        assert!(report.checks[1].ok);
    }

    #[tokio::test]
    async fn the_shutdown_check_fails_once_cancelled() {
        let token = CancellationToken::new();
        let readiness = Readiness::new().with_shutdown(token.clone());
        assert!(readiness.run().await.ready);

        token.cancel();

        let report = readiness.run().await;
        assert!(!report.ready);
        assert_eq!(report.checks[0].name, "shutdown");
    }
}
