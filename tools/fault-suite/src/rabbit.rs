//! The suite's own RabbitMQ: one node, or a cluster of three on loopback,
//! each on ports of its own with its own data and logs in a temporary
//! directory, so the suite can stop, start and kill them without touching
//! the machine's broker. Stopped and removed when dropped.
//!
//! The nodes enable the one plugin the store needs
//! (`rabbitmq_consistent_hash_exchange`, for sharded consumers; what
//! `scripts/services-up.sh` enables on the shared node, less the management
//! UI). A cluster forms at first boot from the same node list in every
//! node's configuration (`classic_config` peer discovery), so nothing has to
//! `join_cluster`.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use store_stack::process::free_port;

use crate::postgres::run;

/// Where the server scripts are (the Debian package's; `/usr/sbin` wrappers
/// switch to the `rabbitmq` user and its home, whose cookie is not ours).
const SBIN: &str = "/usr/lib/rabbitmq/bin";

/// One node of the suite's.
#[derive(Debug)]
pub struct Node {
    /// Erlang node name, e.g. `fault-1a2b-0@localhost`.
    pub name: String,
    /// Its AMQP port.
    pub port: u16,
    dist_port: u16,
    dir: PathBuf,
    home: PathBuf,
    config: PathBuf,
}

/// The suite's broker: one node or a cluster.
#[derive(Debug)]
pub struct Broker {
    /// The nodes, the first one the seed of the cluster.
    pub nodes: Vec<Node>,
    home: PathBuf,
}

impl Broker {
    /// Starts `size` nodes (1 or 3) forming one cluster, and waits until
    /// every one runs.
    pub fn start(size: usize) -> anyhow::Result<Self> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let home = std::env::temp_dir().join(format!("fault-rabbit-{}", &id[..12]));
        std::fs::create_dir_all(&home)?;
        // Every node and every CLI call shares this cookie (HOME is `home`).
        let cookie = home.join(".erlang.cookie");
        std::fs::write(&cookie, format!("FAULTSUITE{}", id.to_uppercase()))?;
        set_mode(&cookie, 0o600)?;
        std::fs::write(
            home.join("enabled_plugins"),
            "[rabbitmq_consistent_hash_exchange].\n",
        )?;
        let mut nodes = Vec::new();
        for n in 0..size {
            let dir = home.join(format!("node{n}"));
            std::fs::create_dir_all(&dir)?;
            nodes.push(Node {
                name: format!("fault-{}-{n}@localhost", &id[..8]),
                port: free_port()?,
                dist_port: free_port()?,
                config: home.join("rabbitmq.conf"),
                dir,
                home: home.clone(),
            });
        }
        let mut conf = String::from("loopback_users = none\n");
        if size > 1 {
            conf.push_str("cluster_formation.peer_discovery_backend = classic_config\n");
            for (i, node) in nodes.iter().enumerate() {
                conf.push_str(&format!(
                    "cluster_formation.classic_config.nodes.{} = {}\n",
                    i + 1,
                    node.name
                ));
            }
        }
        std::fs::write(home.join("rabbitmq.conf"), conf)?;
        let broker = Self { nodes, home };
        for node in &broker.nodes {
            node.spawn()?;
        }
        for node in &broker.nodes {
            node.await_startup(Duration::from_secs(120))?;
        }
        Ok(broker)
    }

    /// The AMQP URLs of every node, comma-separated (what `AMQP_URL` takes
    /// for a cluster).
    pub fn amqp_url(&self) -> String {
        self.nodes
            .iter()
            .map(Node::amqp_url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        for node in &self.nodes {
            node.halt();
        }
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

impl Node {
    /// Its AMQP URL.
    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Starts the node's process (returns at once; see
    /// [`Self::await_startup`]).
    pub fn spawn(&self) -> anyhow::Result<()> {
        let out = std::fs::File::create(self.dir.join("startup.log"))?;
        Command::new(Path::new(SBIN).join("rabbitmq-server"))
            .env("HOME", &self.home)
            .env("RABBITMQ_NODENAME", &self.name)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", self.dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", self.dir.join("log"))
            .env("RABBITMQ_PID_FILE", self.pid_file())
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                self.home.join("enabled_plugins"),
            )
            .env("RABBITMQ_CONFIG_FILE", &self.config)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            // The node outlives this handle; it is stopped by name.
            .spawn()
            .with_context(|| format!("Failed to start RabbitMQ node {}", self.name))?;
        Ok(())
    }

    /// Waits until the node runs the broker (it must have been spawned).
    pub fn await_startup(&self, timeout: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let done = self
                .ctl()
                .args(["await_startup", "--timeout", "30"])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if done {
                return Ok(());
            }
            anyhow::ensure!(
                started.elapsed() < timeout,
                "RabbitMQ node {} did not start within {timeout:?}; see {}",
                self.name,
                self.dir.join("startup.log").display()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Stops the node cleanly (`rabbitmqctl stop`: the broker closes its
    /// connections and the process ends).
    pub fn stop(&self) -> anyhow::Result<()> {
        run(self.ctl().arg("stop"))
    }

    /// Kills the node's process (SIGKILL), as a lost machine would end it.
    pub fn kill(&self) -> anyhow::Result<()> {
        let pid = std::fs::read_to_string(self.pid_file())
            .context("the node's pid file is missing")?
            .trim()
            .parse::<i32>()
            .context("the node's pid file holds no pid")?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .with_context(|| format!("Failed to kill RabbitMQ node {}", self.name))
    }

    /// Runs `rabbitmqctl` against this node with `args` and returns what it
    /// printed.
    pub fn ctl_output(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = self.ctl().args(args).output()?;
        anyhow::ensure!(
            output.status.success(),
            "rabbitmqctl {args:?} on {} failed: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn halt(&self) {
        if self.stop().is_err() {
            let _ = self.kill();
        }
    }

    fn pid_file(&self) -> PathBuf {
        self.dir.join("node.pid")
    }

    fn ctl(&self) -> Command {
        let mut command = Command::new(Path::new(SBIN).join("rabbitmqctl"));
        command
            .env("HOME", &self.home)
            .args(["-q", "-n", &self.name])
            .stdin(Stdio::null());
        command
    }
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}
