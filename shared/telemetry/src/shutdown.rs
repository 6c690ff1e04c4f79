//! One cancellation token fed by SIGTERM (Kubernetes) and Ctrl-C (a
//! terminal): every server and consumer of a service watches the same token.

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A token cancelled on the first SIGTERM or Ctrl-C.
///
/// # Panics
///
/// Outside a Tokio runtime (it spawns the signal task).
pub fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    // The task ends by itself once the token is cancelled.
    drop(spawn_signal_handler(token.clone()));
    token
}

/// Spawns a task that cancels `token` on the first SIGTERM or Ctrl-C; the
/// task also ends when the token is cancelled by anything else.
///
/// # Panics
///
/// Outside a Tokio runtime.
pub fn spawn_signal_handler(token: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            signal = wait_for_signal() => {
                tracing::info!(signal, "shutdown signal received");
                token.cancel();
            }
            () = token.cancelled() => {}
        }
    })
}

/// Resolves with the name of the first signal received.
async fn wait_for_signal() -> &'static str {
    let ctrl_c = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "SIGINT",
            Err(error) => {
                tracing::error!(%error, "cannot listen for Ctrl-C");
                std::future::pending().await
            }
        }
    };
    tokio::select! {
        name = ctrl_c => name,
        name = sigterm() => name,
    }
}

#[cfg(unix)]
async fn sigterm() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut stream) => {
            if stream.recv().await.is_none() {
                // The signal driver is gone: no SIGTERM will ever arrive.
                std::future::pending::<()>().await;
            }
            "SIGTERM"
        }
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGTERM");
            std::future::pending().await
        }
    }
}

#[cfg(not(unix))]
async fn sigterm() -> &'static str {
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_handler_task_ends_when_the_token_is_cancelled_elsewhere() {
        let token = CancellationToken::new();
        let task = spawn_signal_handler(token.clone());

        token.cancel();

        tokio::time::timeout(std::time::Duration::from_secs(5), task)
            .await
            .expect("handler task ended")
            .expect("handler task did not panic");
    }
}
