//! The suite's own PostgreSQL cluster: `initdb` into a temporary directory,
//! `pg_ctl` on a free loopback port, so the suite can restart it without
//! touching the machine's server. Stopped and removed when dropped.
//!
//! `initdb` refuses to run as root, so as root the cluster is made and run
//! as the `postgres` user (`runuser`) in a directory that user owns.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use anyhow::Context as _;

/// A running (or stopped, for a while) PostgreSQL cluster of the suite's.
#[derive(Debug)]
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl Postgres {
    /// Creates a cluster in a fresh temporary directory and starts it.
    pub fn start() -> anyhow::Result<Self> {
        let bin = bin_dir()?;
        let dir = std::env::temp_dir().join(format!("fault-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("Failed to create {}", dir.display()))?;
        let cluster = Self {
            dir,
            bin,
            port: store_stack::process::free_port()?,
        };
        if as_root() {
            run(Command::new("chown").arg("postgres:").arg(&cluster.dir))?;
        }
        run(cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args(["-A", "trust", "-U", "postgres", "--no-sync"]))
        .context("Failed to create the suite's PostgreSQL cluster")?;
        cluster.pg_ctl_start()?;
        Ok(cluster)
    }

    /// The server's URL (any database on it; the stack creates its own).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The URL of database `name` on it.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server at once (`-m immediate`: connections are cut as a
    /// crash would cut them; nothing committed is lost).
    pub fn stop(&self) -> anyhow::Result<()> {
        run(self.command("pg_ctl").arg("-D").arg(self.data()).args([
            "-m",
            "immediate",
            "-w",
            "stop",
        ]))
    }

    /// Starts the server again after [`Self::stop`].
    pub fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.display()
        );
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("postgres.log"))
            .args(["-o", &options, "-w", "-t", "60", "start"]))
        .context("Failed to start the suite's PostgreSQL cluster")
    }

    /// Stops the server, keeps it down for `down`, starts it again.
    pub async fn restart(&self, down: Duration) -> anyhow::Result<()> {
        self.stop()?;
        tokio::time::sleep(down).await;
        self.pg_ctl_start()
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest installed PostgreSQL's programs (`/usr/lib/postgresql/<v>/bin`).
fn bin_dir() -> anyhow::Result<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .with_context(|| {
            format!(
                "PostgreSQL is not installed ({} is missing)",
                root.display()
            )
        })?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no PostgreSQL with initdb under /usr/lib/postgresql")
}

fn as_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// Runs a command to its end; its output becomes the error when it fails.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("Failed to run {command:?}"))?;
    anyhow::ensure!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
