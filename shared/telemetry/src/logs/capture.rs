//! The log lines of the very subscriber [`crate::init`] installs, written
//! to memory instead of stdout: for tests that check what a service logs
//! (no personal data above debug, for one).

use std::{
    io,
    sync::{Arc, Mutex, PoisonError},
};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

/// Everything logged while its guard is held, one JSON object per line.
#[derive(Debug, Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// The lines written so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLogs {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Captures what this thread logs through `filter` (e.g. `info`) until the
/// guard is dropped; with a current-thread runtime, that is everything a
/// service started on it logs from its tasks.
pub fn capture(filter: &str) -> (DefaultGuard, CapturedLogs) {
    let logs = CapturedLogs::default();
    let provider = SdkTracerProvider::builder().build();
    let subscriber = super::subscriber(
        provider.tracer("captured"),
        EnvFilter::new(filter),
        logs.clone(),
        false,
    );
    (tracing::subscriber::set_default(subscriber), logs)
}
