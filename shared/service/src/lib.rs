//! The one skeleton of every service (gateway, seller, catalog, order
//! processor, sales assistant), so each keeps only what is its own:
//!
//! - [`config`]: the settings every service reads from the environment;
//! - [`db`]: connecting to PostgreSQL, migrating (the idempotency ledger,
//!   then the service's own migrator) and the `/readyz` database check;
//! - [`migrations`]: the `migrate` command and `DATABASE_MIGRATE` (apply at
//!   start, or only verify);
//! - [`error`]: the JSON API error ([`ApiError`]), generic over the
//!   refusals and constraint names that are the service's own;
//! - [`tenants`]: tenant and operator authentication and the operator's
//!   `POST /admin/tenants`, generic over the service's HTTP state;
//! - [`runtime`]: start-up ([`Foundation`]) and the running service
//!   ([`Service`]): serve until cancelled, then drain; [`Runnable`], what
//!   `main` ([`run`]) and the tests do with any service;
//! - [`accessors`]: the `Application` methods every service offers;
//! - [`client_ip`]: the client's address behind the trusted proxies;
//! - [`retention`]: the rows kept against repeats (the idempotency ledger,
//!   outboxes), deleted once older than `RETENTION_DAYS`;
//! - [`openapi`]: the OpenAPI 3.1 document of a service and `/openapi.json`.

pub mod accessors;
pub mod client_ip;
pub mod config;
pub mod db;
pub mod error;
pub mod migrations;
pub mod openapi;
pub mod retention;
pub mod runtime;
pub mod serve;
pub mod tenants;

pub use error::{ApiError, DomainError};
pub use runtime::{Foundation, Runnable, Service, run};
pub use tenants::TenantState;
