//! Abuse protection of the public web chat endpoints: every shopper message
//! may cost an LLM call. Messages are limited per session, new sessions per
//! client address (token buckets in PostgreSQL, `db::rate_limits`, so the
//! limits hold across every replica), and sessions idle longer than the TTL
//! are treated as unknown. The client address is the one the trusted proxies
//! vouch for ([`store_service::client_ip`]).

use std::{net::SocketAddr, time::Duration};

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use store_service::client_ip::TrustedProxies;
use uuid::Uuid;

use crate::{
    db::rate_limits,
    domain::rate_limit::{Limited, Rate},
};

/// The web chat's limits and expiry, shared by the handlers.
#[derive(Debug)]
pub struct WebchatGuard {
    pool: PgPool,
    message_rate: Rate,
    session_rate: Rate,
    trusted_proxies: TrustedProxies,
    session_ttl: Duration,
}

impl WebchatGuard {
    /// Buckets in `pool`: `message_rate` per session, `session_rate` per
    /// client address (behind `trusted_proxies`); sessions idle longer than
    /// `session_ttl` are expired.
    pub fn new(
        pool: PgPool,
        message_rate: Rate,
        session_rate: Rate,
        trusted_proxies: TrustedProxies,
        session_ttl: Duration,
    ) -> Self {
        Self {
            pool,
            message_rate,
            session_rate,
            trusted_proxies,
            session_ttl,
        }
    }

    /// Takes a token for one more message of `session`.
    pub async fn message(&self, session: Uuid) -> Result<Result<(), Limited>, sqlx::Error> {
        let key = format!("webchat:message:{session}");
        rate_limits::take(&self.pool, &key, self.message_rate, 1).await
    }

    /// Takes a token for one more session opened by the client of this
    /// request.
    pub async fn new_session(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
    ) -> Result<Result<(), Limited>, sqlx::Error> {
        let client = self.trusted_proxies.client_ip(peer.ip(), headers);
        let key = format!("webchat:session:{client}");
        rate_limits::take(&self.pool, &key, self.session_rate, 1).await
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

    /// Deletes the buckets that are full again (they change nothing).
    pub async fn evict_idle(&self) -> Result<u64, sqlx::Error> {
        rate_limits::delete_idle(&self.pool).await
    }
}
