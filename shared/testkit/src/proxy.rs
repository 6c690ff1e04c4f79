//! A TCP proxy a test puts in front of the shared broker or database and
//! then cuts (for good, or for a moment), to take it away from the service
//! under test without touching what other tests use.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;

/// A running proxy.
pub struct Proxy {
    /// The port it listens on.
    pub port: u16,
    cut: CancellationToken,
    /// Bumped to reset every open connection.
    resets: watch::Sender<u64>,
    /// New connections are refused until then.
    refuse_until: Arc<Mutex<Option<Instant>>>,
}

impl Proxy {
    /// Proxies `127.0.0.1:<port>` to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let port = listener.local_addr().expect("a bound address").port();
        let cut = CancellationToken::new();
        let stop = cut.clone();
        let (resets, _) = watch::channel(0u64);
        let refuse_until: Arc<Mutex<Option<Instant>>> = Arc::default();
        let (reset_rx, refusing) = (resets.subscribe(), refuse_until.clone());
        tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    accepted = listener.accept() => {
                        let Ok((mut client, _)) = accepted else { continue };
                        let refused = refusing
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .is_some_and(|until| Instant::now() < until);
                        if refused {
                            drop(client);
                            continue;
                        }
                        let upstream = upstream.clone();
                        let mut reset = reset_rx.clone();
                        reset.mark_unchanged();
                        connections.spawn(async move {
                            if let Ok(mut server) = TcpStream::connect(upstream).await {
                                tokio::select! {
                                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                                    _ = reset.changed() => {}
                                }
                            }
                        });
                    }
                }
            }
            // Dropping the listener refuses new connections; aborting the
            // tasks resets the open ones.
            drop(listener);
            connections.shutdown().await;
        });
        Self {
            port,
            cut,
            resets,
            refuse_until,
        }
    }

    /// Cuts every connection and refuses new ones.
    pub fn cut(&self) {
        self.cut.cancel();
    }

    /// Resets every open connection and refuses new ones for `outage`,
    /// as a restarting server does; then connections go through again.
    pub fn blip(&self, outage: Duration) {
        *self
            .refuse_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + outage);
        self.resets.send_modify(|n| *n += 1);
    }
}

/// `host:port` of an AMQP URL.
pub fn host_port(amqp_url: &str) -> String {
    host_port_or(amqp_url, 5672)
}

/// `host:port` of a PostgreSQL URL.
pub fn postgres_host_port(database_url: &str) -> String {
    host_port_or(database_url, 5432)
}

fn host_port_or(url: &str, default_port: u16) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?'])
        .next()
        .unwrap_or(after_scheme);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    }
}

/// `url` with its host and port replaced by `127.0.0.1:<port>`.
pub fn via(url: &str, port: u16) -> String {
    let host_port = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, hp)| hp);
    url.replacen(host_port, &format!("127.0.0.1:{port}"), 1)
}
