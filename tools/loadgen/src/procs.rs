//! CPU seconds and resident memory of the store's processes, read from
//! `/proc/<pid>/stat` (utime + stime) and `/proc/<pid>/status` (VmRSS).
//!
//! A watched process is one pid (a service this program started) or every
//! process with a given command name (`beam.smp` for RabbitMQ, `postgres`
//! for PostgreSQL's server and backends, a service's binary name when
//! attached to a store). A group's CPU is the CPU its processes used since
//! the first sample (PostgreSQL's backends serving one store's databases are
//! told apart by their command line): a process already running then counts from its value
//! then, one that appeared later from zero, one that ended with its last
//! value. Its memory is the sum of its live processes' RSS (shared memory,
//! such as PostgreSQL's buffers, counts once per process that touched it).

use std::collections::HashMap;

/// What to watch under one name.
#[derive(Debug, Clone)]
pub enum Who {
    /// These processes.
    Pids(Vec<u32>),
    /// Every process whose command name (`/proc/<pid>/comm`) is this.
    Named(String),
    /// Every process of this command name whose command line
    /// (`/proc/<pid>/cmdline`, which PostgreSQL's backends set to
    /// `postgres: <user> <database> <client> <state>`) holds this text.
    NamedWith(String, String),
}

/// One group's reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The group.
    pub name: String,
    /// CPU seconds since the first sample.
    pub cpu_seconds: f64,
    /// Resident memory now, bytes.
    pub rss_bytes: u64,
    /// Live processes.
    pub processes: usize,
}

/// The watcher.
pub struct Procs {
    groups: Vec<(String, Who)>,
    /// Per group, per pid: CPU seconds at first sight and last seen.
    cpu: HashMap<String, HashMap<u32, (f64, f64)>>,
    first: bool,
    ticks: f64,
}

impl Procs {
    /// Watches `groups`.
    pub fn new(groups: Vec<(String, Who)>) -> Self {
        Self {
            groups,
            cpu: HashMap::new(),
            first: true,
            ticks: clock_ticks(),
        }
    }

    /// The names watched, in order.
    pub fn names(&self) -> Vec<String> {
        self.groups.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Reads every group now.
    pub fn sample(&mut self) -> Vec<Reading> {
        let named = named_pids();
        let mut readings = Vec::new();
        for (name, who) in &self.groups {
            let pids: Vec<u32> = match who {
                Who::Pids(pids) => pids.clone(),
                Who::Named(comm) => named.get(comm).cloned().unwrap_or_default(),
                Who::NamedWith(comm, text) => named
                    .get(comm)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|pid| {
                        std::fs::read(format!("/proc/{pid}/cmdline"))
                            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(text.as_str()))
                    })
                    .collect(),
            };
            let seen = self.cpu.entry(name.clone()).or_default();
            let mut rss = 0;
            let mut live = 0;
            for pid in pids {
                let Some(cpu) = cpu_seconds(pid, self.ticks) else {
                    continue;
                };
                live += 1;
                rss += rss_bytes(pid).unwrap_or(0);
                let base = if self.first { cpu } else { 0.0 };
                seen.entry(pid).or_insert((base, cpu)).1 = cpu;
            }
            readings.push(Reading {
                name: name.clone(),
                cpu_seconds: seen.values().map(|(base, last)| last - base).sum(),
                rss_bytes: rss,
                processes: live,
            });
        }
        self.first = false;
        readings
    }
}

/// Seconds of CPU `pid` used (user + system), if it runs.
fn cpu_seconds(pid: u32, ticks: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat).map(|t| t as f64 / ticks)
}

/// utime + stime in clock ticks, from the text of `/proc/<pid>/stat`.
fn parse_stat(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses: fields start after
    // the last ')'. Then: state (0), …, utime (11), stime (12).
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Resident memory of `pid` in bytes.
fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_rss(&status)
}

fn parse_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Every process's pid by command name.
fn named_pids() -> HashMap<String, Vec<u32>> {
    let mut named: HashMap<String, Vec<u32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return named;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) {
            named.entry(comm.trim().to_owned()).or_default().push(pid);
        }
    }
    named
}

/// Clock ticks per second (`getconf CLK_TCK`; 100, Linux's usual, when it
/// cannot be asked).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|t: &f64| *t > 0.0)
        .unwrap_or(100.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_read_after_a_command_name_with_spaces() {
        let stat =
            "42 (tokio (rt) 1) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 1 1000 200";
        assert_eq!(parse_stat(stat), Some(300));
    }

    #[test]
    fn rss_is_read_in_bytes() {
        let status = "Name:\tgateway\nVmPeak:\t 9000 kB\nVmRSS:\t   2048 kB\nThreads:\t3\n";
        assert_eq!(parse_rss(status), Some(2 * 1024 * 1024));
    }

    #[test]
    fn this_process_uses_some_memory_and_is_found_by_pid() {
        let mut procs = Procs::new(vec![("me".to_owned(), Who::Pids(vec![std::process::id()]))]);
        let reading = procs.sample().remove(0);
        assert_eq!(reading.processes, 1);
        assert!(reading.rss_bytes > 0);
        assert_eq!(reading.cpu_seconds, 0.0);
    }
}
