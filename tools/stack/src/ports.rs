//! Local ports for the processes a stack starts, picked so that no two
//! pickers, in this process or another, hand out the same one.

use std::{fs::File, sync::Mutex};

use anyhow::Context as _;

/// A local port free right now, for a process to listen on: see
/// [`free_ports`].
pub fn free_port() -> anyhow::Result<u16> {
    free_ports(1)
}

/// The first of `n` consecutive local ports, each free right now and
/// claimed by this process for as long as it runs, for processes to listen
/// on.
///
/// They are picked at random below the kernel's ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`), never from it: a port in
/// that range that is free when picked may be taken before the service
/// binds it, as the local end of any outgoing connection (the services' own
/// to PostgreSQL and RabbitMQ, every other test's) or by another test's
/// `bind(0)`, and the service would exit at start ("address in use").
///
/// Below the range only other pickers compete, and they may run in other
/// processes: nextest runs every test in its own. A port is therefore
/// handed out only once its claim file (`<tmp>/agent-store-ports/<port>`)
/// is locked with `flock`. The lock is held until this process exits (the
/// kernel drops it then, however the process ends), so a port handed out
/// here is not handed out by any other picker while its service may still
/// be starting. CI once failed on a sales assistant that found its operator
/// port taken: two test processes had picked the same one.
pub fn free_ports(n: u16) -> anyhow::Result<u16> {
    static CLAIMED: Mutex<Vec<(u16, File)>> = Mutex::new(Vec::new());
    let (lowest, below) = (10_000, ephemeral_start().saturating_sub(n));
    anyhow::ensure!(
        below > lowest,
        "no room for {n} ports below the ephemeral range"
    );
    let dir = std::env::temp_dir().join("agent-store-ports");
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("Failed to create the port claims' folder {}", dir.display()))?;
    let mut claimed = CLAIMED
        .lock()
        .map_err(|_| anyhow::anyhow!("the port picker's lock is poisoned"))?;
    for _ in 0..1_000 {
        let first = lowest + random_below(below - lowest);
        let mut claims = Vec::new();
        for port in first..first + n {
            if claimed.iter().any(|(held, _)| *held == port) {
                break;
            }
            let Some(claim) = claim(&dir, port)? else {
                break;
            };
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                break;
            }
            claims.push((port, claim));
        }
        if claims.len() == usize::from(n) {
            claimed.extend(claims);
            return Ok(first);
        }
        // The claims of a run that fell short are released as they drop.
    }
    anyhow::bail!("found no {n} free ports in a row below {below}")
}

/// `port`'s claim file, locked by this process, or `None` when another
/// holds it.
fn claim(dir: &std::path::Path, port: u16) -> anyhow::Result<Option<File>> {
    let path = dir.join(port.to_string());
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("Failed to open the port claim {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("Failed to lock the port claim {}", path.display()))
        }
    }
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

    #[test]
    fn a_port_handed_out_is_claimed_against_every_other_picker_until_exit() {
        let port = free_port().expect("a free port");
        let dir = std::env::temp_dir().join("agent-store-ports");

        // Another picker, in this process or another, opens the claim file
        // on its own and cannot lock it.
        let other = claim(&dir, port).expect("the claim file opens");

        assert!(other.is_none(), "port {port} was claimed twice");
    }
}
