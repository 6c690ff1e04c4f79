//! One service process: started with its environment, logging to its own
//! file, waited on until it answers `/readyz`, stopped with SIGTERM.

use std::{
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use nix::{
    sys::signal::{Signal, kill},
    unistd::Pid,
};
use tokio::process::{Child, Command};

pub use crate::ports::{free_port, free_ports};

/// The variable tokio reads for its runtime's worker threads. Each
/// service of a stack gets one, as each of the chart's pods does (a CPU
/// limit of one core, which tokio sizes its runtime by), unless the
/// caller's environment sets it: a stack's services share the machine,
/// and a worker a core per process only adds thread hand-offs between
/// them (one worker cut the services' CPU a shopper message by 8-9 % in
/// loadgen's 60 msg/s runs on two cores, README `## Capacity`).
const WORKER_THREADS: &str = "TOKIO_WORKER_THREADS";

/// A running service.
#[derive(Debug)]
pub struct Service {
    /// Name, e.g. `gateway` or `seller-demo-fashion`.
    pub name: String,
    /// Its HTTP port.
    pub port: u16,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
    /// How it was started, so it can be started again ([`Spec::spawn`]).
    pub spec: Spec,
    child: Child,
}

/// How to start one service.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Name of the service (and of its log file).
    pub name: String,
    /// The binary.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Its HTTP port (also set as `PORT`).
    pub port: u16,
    /// Its environment, beside the inherited one.
    pub env: Vec<(String, String)>,
}

impl Spec {
    /// A spec for `program` in `bin_dir`.
    pub fn new(name: impl Into<String>, bin_dir: &Path, program: &str, port: u16) -> Self {
        Self {
            name: name.into(),
            program: bin_dir.join(program),
            args: Vec::new(),
            port,
            env: Vec::new(),
        }
    }

    /// Adds environment variables.
    pub fn envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    fn command(&self, log: &Path) -> anyhow::Result<Command> {
        if !self.program.is_file() {
            anyhow::bail!(
                "{} is not built — run `cargo build --bins` (scripts/run.sh does)",
                self.program.display()
            );
        }
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("Failed to open {}", log.display()))?;
        let err = out.try_clone()?;
        let mut command = Command::new(&self.program);
        if std::env::var_os(WORKER_THREADS).is_none() {
            command.env(WORKER_THREADS, "1");
        }
        command
            .args(&self.args)
            .env("PORT", self.port.to_string())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true);
        Ok(command)
    }

    /// Runs the program to completion (a one-off job such as the seed),
    /// appends its log lines (the JSON ones on stdout, and stderr) to its
    /// log, and returns its stdout. What it prints for the operator (the
    /// seed's new API keys) stays out of the log.
    pub async fn run_to_end(&self, log_dir: &Path) -> anyhow::Result<String> {
        use std::io::Write as _;
        let log = log_dir.join(format!("{}.log", self.name));
        let mut command = self.command(&log)?;
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let output = command
            .output()
            .await
            .with_context(|| format!("Failed to run {}", self.name))?;
        let mut file = std::fs::OpenOptions::new().append(true).open(&log)?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        for line in stdout.lines().filter(|l| l.trim_start().starts_with('{')) {
            writeln!(file, "{line}")?;
        }
        file.write_all(&output.stderr)?;
        anyhow::ensure!(
            output.status.success(),
            "{} failed ({}):\n{}",
            self.name,
            output.status,
            tail(&log, 15)
        );
        Ok(stdout.into_owned())
    }

    /// Adds arguments.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Starts the service, logging to `<log_dir>/<name>.log`.
    pub fn spawn(&self, log_dir: &Path) -> anyhow::Result<Service> {
        let log = log_dir.join(format!("{}.log", self.name));
        let child = self
            .command(&log)?
            .spawn()
            .with_context(|| format!("Failed to start {}", self.program.display()))?;
        Ok(Service {
            name: self.name.clone(),
            port: self.port,
            log,
            spec: self.clone(),
            child,
        })
    }
}

impl Service {
    /// The service's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until `/readyz` answers 200, failing early when the process
    /// exits.
    pub async fn wait_ready(
        &mut self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let url = format!("{}/readyz", self.url());
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "{} exited during start-up ({status}):\n{}",
                    self.name,
                    tail(&self.log, 15)
                );
            }
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > timeout {
                anyhow::bail!(
                    "{} did not become ready on {url} within {timeout:?}:\n{}",
                    self.name,
                    tail(&self.log, 15)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether the process has exited, and how.
    pub fn exited(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        Ok(self.child.try_wait()?)
    }

    /// Asks the process to stop (SIGTERM); it drains and exits.
    pub fn terminate(&mut self) {
        if let Some(pid) = self.child.id().and_then(|id| i32::try_from(id).ok()) {
            // Already gone is fine.
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
    }

    /// Kills the process at once (SIGKILL): no draining, as a crash or an
    /// out-of-memory kill would end it. Waits until it is gone.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        self.child
            .kill()
            .await
            .with_context(|| format!("Failed to kill {}", self.name))
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Waits up to `grace` for the process to exit after [`Self::terminate`],
    /// then kills it. Returns its exit status, or `None` when it had to be
    /// killed.
    pub async fn wait_stopped(&mut self, grace: Duration) -> anyhow::Result<Option<ExitStatus>> {
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(status) => Ok(Some(status?)),
            Err(_) => {
                self.child.kill().await?;
                Ok(None)
            }
        }
    }
}

/// The last `lines` lines of a log file, backtraces left out: a service
/// that ends with an error under `RUST_BACKTRACE` prints the error, then
/// dozens of frames, and the error is what the report must show.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let kept = without_backtraces(&text);
    kept[kept.len().saturating_sub(lines)..].join("\n")
}

/// The lines of `text` with each backtrace (anyhow's `Stack backtrace:`, a
/// panic's `stack backtrace:`, and the numbered frames and their `at`
/// lines after it) replaced by one line saying it was left out.
fn without_backtraces(text: &str) -> Vec<&str> {
    let mut kept = Vec::new();
    let mut in_backtrace = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.eq_ignore_ascii_case("stack backtrace:") {
            in_backtrace = true;
            kept.push("(backtrace left out)");
            continue;
        }
        let frame = trimmed.starts_with("at ")
            || trimmed
                .split_once(": ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if in_backtrace && frame {
            continue;
        }
        in_backtrace = false;
        kept.push(line);
    }
    kept
}

/// Where the workspace's binaries are for the running program: its own
/// folder (`target/debug` for `store-up`), or the one above it for a test or
/// bench binary (`target/debug/deps`).
pub fn bin_dir() -> anyhow::Result<PathBuf> {
    bin_dir_of(&std::env::current_exe().context("Failed to find this program's path")?)
}

/// [`bin_dir`] for the program at `exe`.
pub fn bin_dir_of(exe: &Path) -> anyhow::Result<PathBuf> {
    let mut dir = exe
        .parent()
        .context("This program is in no directory")?
        .to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_of_a_log_shows_the_error_not_the_backtrace_after_it() {
        let log = "{\"level\":\"INFO\",\"message\":\"starting\"}\n\
            Error: Failed to start the seller agent\n\
            \n\
            Caused by:\n    \
                0: Failed to connect to RabbitMQ\n    \
                1: connection refused\n\
            \n\
            Stack backtrace:\n   \
               0: anyhow::error::<impl anyhow::Error>::msg\n             \
                         at /cargo/anyhow/src/error.rs:83:36\n   \
               1: seller_agent::main\n             \
                         at ./services/seller-agent/src/main.rs:22:5\n  \
              33: _start\n";
        let path = std::env::temp_dir().join(format!("tail-{}.log", std::process::id()));
        std::fs::write(&path, log).expect("a log file");

        let tail = tail(&path, 7);

        assert_eq!(
            tail,
            "Error: Failed to start the seller agent\n\
             \n\
             Caused by:\n    \
                 0: Failed to connect to RabbitMQ\n    \
                 1: connection refused\n\
             \n\
             (backtrace left out)"
        );
        std::fs::remove_file(&path).expect("the log file removed");
    }
}
