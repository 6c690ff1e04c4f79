//! CPU seconds and resident memory of processes (the store's under
//! loadgen, the broker's and the database's beside a benchmark), read from
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
//! [`Cost`] turns two readings into CPU ms per request of a run.

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

/// The CPU that watched processes used during runs (of a benchmark, a
/// load), per request.
pub struct Cost {
    procs: Procs,
    /// How many of the groups (the first ones) add up to the whole; the
    /// rest are parts of them, shown and not summed.
    summed: usize,
}

/// What one run cost each watched group, in CPU ms per request.
#[derive(Debug, Clone, PartialEq)]
pub struct Costed {
    /// Per group, in the order they are watched.
    pub cpu_ms: Vec<f64>,
}

impl Cost {
    /// Watches the machine's RabbitMQ (`beam.smp`), PostgreSQL (every
    /// `postgres` process: server and backends) and `more`.
    pub fn broker_database_and(more: impl IntoIterator<Item = (String, Who)>) -> Self {
        Self::new(
            [
                ("RabbitMQ".to_owned(), Who::Named("beam.smp".to_owned())),
                ("PostgreSQL".to_owned(), Who::Named("postgres".to_owned())),
            ]
            .into_iter()
            .chain(more)
            .collect(),
        )
    }

    /// Watches `groups`, which must not share a process (the table sums
    /// them).
    pub fn new(groups: Vec<(String, Who)>) -> Self {
        Self::with_parts(groups, Vec::new())
    }

    /// Watches `groups` and, below them in the table and left out of its
    /// sum, `parts` of them (PostgreSQL's backends of one database).
    pub fn with_parts(groups: Vec<(String, Who)>, parts: Vec<(String, Who)>) -> Self {
        let summed = groups.len();
        let mut procs = Procs::new(groups.into_iter().chain(parts).collect());
        procs.sample();
        Self { procs, summed }
    }

    /// A markdown table of `runs`' costs: a row per watched group, their
    /// sum, then a row per part, a column per run (named, e.g.
    /// `gateway, 32`).
    pub fn table(&self, runs: &[(String, Costed)]) -> String {
        let mut lines = vec![
            format!(
                "| CPU ms / request | {} |",
                runs.iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            format!("|---|{}", "---:|".repeat(runs.len())),
        ];
        let cells = |cpu: &dyn Fn(&Costed) -> f64| {
            runs.iter()
                .map(|(_, c)| format!("{:.3}", cpu(c)))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let row = |i: usize, name: &str| {
            format!(
                "| {name} | {} |",
                cells(&|c| c.cpu_ms.get(i).copied().unwrap_or(0.0))
            )
        };
        let names = self.procs.names();
        for (i, name) in names.iter().enumerate().take(self.summed) {
            lines.push(row(i, name));
        }
        lines.push(format!(
            "| **all** | {} |",
            cells(&|c| c.cpu_ms.iter().take(self.summed).sum())
        ));
        for (i, name) in names.iter().enumerate().skip(self.summed) {
            lines.push(row(i, &format!("of which {name}")));
        }
        lines.join("\n")
    }

    /// Runs `run`, and what each group used meanwhile per request, for
    /// `requests` requests.
    pub async fn during<T>(
        &mut self,
        requests: usize,
        run: impl std::future::Future<Output = T>,
    ) -> (T, Costed) {
        let before = self.cpu_seconds();
        let output = run.await;
        let after = self.cpu_seconds();
        let cpu_ms = per_request(&before, &after, requests);
        (output, Costed { cpu_ms })
    }

    fn cpu_seconds(&mut self) -> Vec<f64> {
        self.procs
            .sample()
            .into_iter()
            .map(|r| r.cpu_seconds)
            .collect()
    }
}

/// CPU ms a request, per group, from CPU seconds before and after.
fn per_request(before: &[f64], after: &[f64], requests: usize) -> Vec<f64> {
    let requests = requests.max(1) as f64;
    before
        .iter()
        .zip(after)
        .map(|(b, a)| (a - b).max(0.0) * 1000.0 / requests)
        .collect()
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
    fn cpu_is_shared_over_the_runs_requests() {
        assert_eq!(
            per_request(&[1.0, 2.0, 0.5], &[1.5, 2.0, 0.75], 1000),
            [0.5, 0.0, 0.25]
        );
        // Never negative; an empty run divides by one.
        assert_eq!(per_request(&[3.0], &[1.0], 0), [0.0]);
    }

    #[test]
    fn the_cost_table_has_a_row_per_group_and_their_sum() {
        let cost = Cost::new(vec![
            ("RabbitMQ".to_owned(), Who::Named("beam.smp".to_owned())),
            ("me".to_owned(), Who::Pids(vec![std::process::id()])),
        ]);
        let runs = [
            (
                "bare, 32".to_owned(),
                Costed {
                    cpu_ms: vec![0.25, 0.5],
                },
            ),
            (
                "gateway, 32".to_owned(),
                Costed {
                    cpu_ms: vec![0.125, 1.0],
                },
            ),
        ];
        assert_eq!(
            cost.table(&runs),
            "| CPU ms / request | bare, 32 | gateway, 32 |\n\
             |---|---:|---:|\n\
             | RabbitMQ | 0.250 | 0.125 |\n\
             | me | 0.500 | 1.000 |\n\
             | **all** | 0.750 | 1.125 |"
        );
    }

    #[test]
    fn parts_are_shown_below_the_sum_and_left_out_of_it() {
        let cost = Cost::with_parts(
            vec![("PostgreSQL".to_owned(), Who::Named("postgres".to_owned()))],
            vec![(
                "the store's".to_owned(),
                Who::NamedWith("postgres".to_owned(), " store_".to_owned()),
            )],
        );
        let runs = [(
            "gateway, 32".to_owned(),
            Costed {
                cpu_ms: vec![0.5, 0.25],
            },
        )];
        assert_eq!(
            cost.table(&runs),
            "| CPU ms / request | gateway, 32 |\n\
             |---|---:|\n\
             | PostgreSQL | 0.500 |\n\
             | **all** | 0.500 |\n\
             | of which the store's | 0.250 |"
        );
    }

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
