//! How long a client may take and how many connections it may hold
//! ([`HttpLimits`], from the environment), and the count of connections
//! per client address that enforces the cap ([`Clients`]).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use crate::{client_ip::TrustedProxies, config::number_from_env};

/// The limits every HTTP listener of a service holds its clients to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time to send a request's headers, from the first byte (or from the
    /// end of the previous response on a kept-alive connection, so this
    /// also closes idle connections): `HTTP_HEADER_READ_TIMEOUT_MS`,
    /// default 10 000.
    pub header_read_timeout: Duration,
    /// Longest pause while sending a request body:
    /// `HTTP_BODY_READ_TIMEOUT_MS`, default 15 000. The body is refused
    /// (the handler's body read fails) when it stalls longer.
    pub body_read_timeout: Duration,
    /// Connections open at once, all clients together:
    /// `HTTP_MAX_CONNECTIONS`, default 10 000 (keep it under the process's
    /// file limit). Connections over it are closed on arrival.
    pub max_connections: usize,
    /// Connections open at once from one client address:
    /// `HTTP_MAX_CONNECTIONS_PER_CLIENT`, default 256. The trusted proxies
    /// are exempt (every client behind one has its address); only the total
    /// holds them.
    pub max_connections_per_client: usize,
    /// The proxies (`TRUSTED_PROXIES`, see [`crate::client_ip`]) whose
    /// connections the per-client cap does not count.
    pub trusted_proxies: TrustedProxies,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(15),
            max_connections: 10_000,
            max_connections_per_client: 256,
            trusted_proxies: TrustedProxies::none(),
        }
    }
}

impl HttpLimits {
    /// The limits in the environment (see each field), defaults for the
    /// unset ones.
    pub fn from_env() -> anyhow::Result<Self> {
        let limits = Self {
            header_read_timeout: Duration::from_millis(number_from_env(
                "HTTP_HEADER_READ_TIMEOUT_MS",
                "10000",
            )?),
            body_read_timeout: Duration::from_millis(number_from_env(
                "HTTP_BODY_READ_TIMEOUT_MS",
                "15000",
            )?),
            max_connections: number_from_env("HTTP_MAX_CONNECTIONS", "10000")?,
            max_connections_per_client: number_from_env("HTTP_MAX_CONNECTIONS_PER_CLIENT", "256")?,
            trusted_proxies: TrustedProxies::from_env(None)?,
        };
        anyhow::ensure!(
            !limits.header_read_timeout.is_zero() && !limits.body_read_timeout.is_zero(),
            "HTTP_HEADER_READ_TIMEOUT_MS and HTTP_BODY_READ_TIMEOUT_MS must be above 0"
        );
        anyhow::ensure!(
            limits.max_connections > 0 && limits.max_connections_per_client > 0,
            "HTTP_MAX_CONNECTIONS and HTTP_MAX_CONNECTIONS_PER_CLIENT must be above 0"
        );
        Ok(limits)
    }
}

/// The connections open per client address, and in all.
#[derive(Debug, Clone)]
pub struct Clients {
    limits: HttpLimits,
    open: Arc<Mutex<Open>>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The listener holds `max_connections` already.
    Full,
    /// This address holds `max_connections_per_client` already.
    ClientFull,
}

impl Refusal {
    /// The `reason` label of `http_connections_refused_total`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::ClientFull => "client_full",
        }
    }
}

impl Clients {
    /// No connection open yet.
    pub fn new(limits: HttpLimits) -> Self {
        Self {
            limits,
            open: Arc::default(),
        }
    }

    /// A place for a connection from `address`, held until the returned
    /// [`Admitted`] is dropped; or why there is none.
    pub fn admit(&self, address: IpAddr) -> Result<Admitted, Refusal> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.limits.max_connections {
            return Err(Refusal::Full);
        }
        let proxy = self.limits.trusted_proxies.contains(address);
        let of_address = open.by_address.entry(address).or_default();
        if !proxy && *of_address >= self.limits.max_connections_per_client {
            return Err(Refusal::ClientFull);
        }
        *of_address += 1;
        open.total += 1;
        Ok(Admitted {
            clients: self.clone(),
            address,
        })
    }
}

/// One admitted connection; its place is given back when dropped.
#[derive(Debug)]
pub struct Admitted {
    clients: Clients,
    address: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .clients
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.by_address.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                // Forget the address: the map holds only open connections.
                open.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::Ipv4Addr;

    use super::*;

    fn clients(total: usize, per_client: usize) -> Clients {
        Clients::new(HttpLimits {
            max_connections: total,
            max_connections_per_client: per_client,
            ..HttpLimits::default()
        })
    }

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn an_address_gets_its_share_and_its_place_back_when_a_connection_ends() {
        let clients = clients(10, 2);

        let first = clients.admit(A).unwrap();
        let _second = clients.admit(A).unwrap();
        let third = clients.admit(A);
        let other = clients.admit(B);
        drop(first);
        let again = clients.admit(A);

        assert_eq!(third.unwrap_err(), Refusal::ClientFull);
        assert!(other.is_ok());
        assert!(again.is_ok());
    }

    #[test]
    fn a_trusted_proxy_is_held_to_the_total_only() {
        let clients = Clients::new(HttpLimits {
            max_connections: 4,
            max_connections_per_client: 1,
            trusted_proxies: TrustedProxies::parse("10.0.0.1").unwrap(),
            ..HttpLimits::default()
        });

        let held: Vec<_> = (0..4).map(|_| clients.admit(A).unwrap()).collect();

        assert_eq!(clients.admit(A).unwrap_err(), Refusal::Full);
        drop(held);
        let _b = clients.admit(B).unwrap();
        assert_eq!(clients.admit(B).unwrap_err(), Refusal::ClientFull);
    }

    #[test]
    fn all_addresses_together_stop_at_the_total() {
        let clients = clients(2, 2);

        let _a = clients.admit(A).unwrap();
        let _b = clients.admit(B).unwrap();

        assert_eq!(clients.admit(B).unwrap_err(), Refusal::Full);
    }

    #[test]
    fn a_closed_address_is_forgotten() {
        let clients = clients(2, 2);

        drop(clients.admit(A).unwrap());

        assert!(clients.open.lock().unwrap().by_address.is_empty());
    }
}
