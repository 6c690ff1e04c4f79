//! The whole agent-store on one machine, as processes.
//!
//! [`Stack::start`] creates the services' databases, loads the demo
//! catalog, starts the catalog, the order processor, the gateway and one
//! seller per brand that has a persona in the tenants file, gives each seller
//! an order-processor API key for its tenant, and waits until every service
//! answers `/readyz`; the sales assistant gets an owner account per tenant
//! for its inbox ([`inbox`]). Every process logs to its own file. [`Stack::stop`]
//! sends SIGTERM and waits for each to drain.
//!
//! `scripts/run.sh` builds the binaries and runs `store-up` (the one command
//! of the README); the end-to-end tests in `tests/` start the same stack on
//! private databases, exchange and ports.

pub mod broker;
pub mod catalog_keys;
pub mod config;
pub mod databases;
pub mod files;
pub mod inbox;
pub mod keys;
pub mod ports;
pub mod process;
pub mod stack;
pub mod tenants;

pub use config::{LlmSettings, Ports, StackConfig};
pub use stack::{Stack, Urls};
