//! A TCP proxy a test puts in front of the shared broker or database and
//! then cuts, to take it away from the service under test without touching
//! what other tests use.

use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;

/// A running proxy.
pub struct Proxy {
    /// The port it listens on.
    pub port: u16,
    cut: CancellationToken,
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
        tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    accepted = listener.accept() => {
                        let Ok((mut client, _)) = accepted else { continue };
                        let upstream = upstream.clone();
                        connections.spawn(async move {
                            if let Ok(mut server) = TcpStream::connect(upstream).await {
                                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
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
        Self { port, cut }
    }

    /// Cuts every connection and refuses new ones.
    pub fn cut(&self) {
        self.cut.cancel();
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
