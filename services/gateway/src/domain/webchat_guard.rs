//! Abuse protection of the public web chat endpoints: every shopper message
//! may cost an LLM call. Messages are limited per session, new sessions per
//! client address (token buckets of [`super::rate_limit`], held in this
//! process, so per replica), and sessions idle longer than the TTL are
//! treated as unknown.

use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant},
};

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rate_limit::{Limited, Rate, RateLimiter};

/// Most buckets of each kind held at once.
const MAX_KEYS: usize = 100_000;

/// The web chat's limits and expiry, shared by the handlers.
#[derive(Debug)]
pub struct WebchatGuard {
    messages: RateLimiter<Uuid>,
    sessions: RateLimiter<IpAddr>,
    trust_forwarded_for: bool,
    session_ttl: Duration,
}

impl WebchatGuard {
    /// Empty buckets: `message_rate` per session, `session_rate` per
    /// client address (the first `X-Forwarded-For` hop when
    /// `trust_forwarded_for`); sessions idle longer than `session_ttl` are
    /// expired.
    pub fn new(
        message_rate: Rate,
        session_rate: Rate,
        trust_forwarded_for: bool,
        session_ttl: Duration,
    ) -> Self {
        Self {
            messages: RateLimiter::new(message_rate, MAX_KEYS),
            sessions: RateLimiter::new(session_rate, MAX_KEYS),
            trust_forwarded_for,
            session_ttl,
        }
    }

    /// Takes a token for one more message of `session`.
    pub fn message(&self, session: Uuid) -> Result<(), Limited> {
        self.messages.check(&session, Instant::now())
    }

    /// Takes a token for one more session opened by the client of this
    /// request.
    pub fn new_session(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Limited> {
        let client = client_address(peer, headers, self.trust_forwarded_for);
        self.sessions.check(&client, Instant::now())
    }

    /// Whether a session last active at `last_active_at` has expired.
    pub fn expired(&self, last_active_at: DateTime<Utc>) -> bool {
        let idle = Utc::now().signed_duration_since(last_active_at);
        idle.to_std().is_ok_and(|idle| idle > self.session_ttl)
    }

    /// How long an idle session is kept.
    pub fn session_ttl(&self) -> Duration {
        self.session_ttl
    }

    /// Drops the buckets that are full again (they change nothing).
    pub fn evict_idle(&self) {
        let now = Instant::now();
        self.messages.evict_idle(now);
        self.sessions.evict_idle(now);
    }
}

/// The client's address: the TCP peer, or the first `X-Forwarded-For` hop
/// when a trusted proxy sets it (a client could forge it otherwise).
fn client_address(peer: SocketAddr, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = || {
        headers
            .get("x-forwarded-for")?
            .to_str()
            .ok()?
            .split(',')
            .next()?
            .trim()
            .parse::<IpAddr>()
            .ok()
    };
    trust_forwarded_for
        .then(forwarded)
        .flatten()
        .unwrap_or_else(|| peer.ip())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn the_client_is_the_peer_unless_forwarded_for_is_trusted() {
        let peer: SocketAddr = ([10, 0, 0, 1], 4000).into();
        let headers = forwarded("203.0.113.7, 10.0.0.2");

        assert_eq!(
            client_address(peer, &headers, false),
            IpAddr::from([10, 0, 0, 1])
        );
        assert_eq!(
            client_address(peer, &headers, true),
            IpAddr::from([203, 0, 113, 7])
        );
        assert_eq!(
            client_address(peer, &forwarded("garbage"), true),
            IpAddr::from([10, 0, 0, 1])
        );
        assert_eq!(
            client_address(peer, &HeaderMap::new(), true),
            IpAddr::from([10, 0, 0, 1])
        );
    }
}
