//! What every HTTP handler, consumer and flow shares: the tenants, the bus,
//! the database, the web chat's limits and live wake-ups, the counters.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use store_bus::Bus;

use crate::{
    db::live::Live, domain::tenants::Tenants, metrics::GatewayMetrics, webchat_guard::WebchatGuard,
};

/// Shared state of the gateway; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Tenants, brands and channels.
    pub tenants: Arc<Tenants>,
    /// The event bus.
    pub bus: Bus,
    /// PostgreSQL.
    pub pool: PgPool,
    /// How long channel message ids are remembered.
    pub dedup_ttl: Duration,
    /// Writes the ids of ingested channel messages, in batches.
    pub dedup: crate::db::dedup::Recorder,
    /// Looks the ids of channel messages up, in batches.
    pub lookups: crate::db::dedup::Lookups,
    /// Largest webhook body.
    pub max_body_bytes: usize,
    /// Most messages and statuses of one WhatsApp delivery.
    pub max_messages_per_delivery: usize,
    /// The gateway's counters.
    pub metrics: GatewayMetrics,
    /// Wake-ups of the web chat's live streams.
    pub live: Live,
    /// Shopper messages let in per tenant and per shopper.
    pub inbound: crate::config::InboundLimits,
    /// Takes from the shoppers' inbound buckets, in batches.
    pub shopper_takes: crate::db::rate_limits::Takes,
    /// The tenants' inbound tokens this replica has leased.
    pub allowance: crate::tenant_allowance::TenantAllowance,
    /// The web chat's rate limits and session expiry.
    pub webchat: Arc<WebchatGuard>,
}
