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

/// The last `lines` lines of a log file.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
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

/// A local port free right now, for a process to listen on: see
/// [`free_ports`].
pub fn free_port() -> anyhow::Result<u16> {
    free_ports(1)
}

/// The first of `n` consecutive local ports, each free right now and none
/// handed out before by this process, for processes to listen on.
///
/// They are picked at random below the kernel's ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`), never from it: a port in
/// that range that is free when picked may be taken before the service
/// binds it, as the local end of any outgoing connection (the services' own
/// to PostgreSQL and RabbitMQ, every other test's) or by another test's
/// `bind(0)`, and the service would exit at start ("address in use").
/// Below the range only another picker like this one competes, and the
/// odds of two picking the same port are small.
pub fn free_ports(n: u16) -> anyhow::Result<u16> {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let (lowest, below) = (10_000, ephemeral_start().saturating_sub(n));
    anyhow::ensure!(
        below > lowest,
        "no room for {n} ports below the ephemeral range"
    );
    let mut handed_out = HANDED_OUT
        .lock()
        .map_err(|_| anyhow::anyhow!("the port picker's lock is poisoned"))?;
    for _ in 0..1_000 {
        let first = lowest + random_below(below - lowest);
        let run = first..first + n;
        if run.clone().all(|port| {
            !handed_out.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        }) {
            handed_out.extend(run);
            return Ok(first);
        }
    }
    anyhow::bail!("found no {n} free ports in a row below {below}")
}

/// Where the kernel's ephemeral ports start (32768 when it cannot be read).
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// A random number below `bound` (> 0).
fn random_below(bound: u16) -> u16 {
    let random = uuid::Uuid::new_v4().as_u128();
    u16::try_from(random % u128::from(bound)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_ports_are_free_below_the_ephemeral_range_and_never_handed_out_twice() {
        let mut seen = Vec::new();
        for _ in 0..50 {
            let first = free_ports(3).expect("three free ports");
            let run: Vec<u16> = (first..first + 3).collect();
            assert!(run.iter().all(|port| *port < ephemeral_start()), "{run:?}");
            assert!(
                run.iter().all(|port| !seen.contains(port)),
                "{run:?} handed out again"
            );
            for port in &run {
                std::net::TcpListener::bind(("127.0.0.1", *port)).expect("the port is free");
            }
            seen.extend(run);
        }
    }
}
