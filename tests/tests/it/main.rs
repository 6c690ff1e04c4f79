//! The cross-service tests, one binary: end to end over the real service
//! binaries (`e2e_*`, started by store-stack as `scripts/run.sh` starts
//! them), the Compose and deploy files (`compose`), and interoperability with
//! the CloudEvents Python SDK (`python_interop`), every service binary's
//! `migrate` command and `DATABASE_MIGRATE=verify` (`migrate`), the gateway
//! killed between publishing a webhook's events and answering (`ingest_kill`), the alerts,
//! runbooks and dashboard against the code (`observability`), and every HTTP route
//! of every service tried without its key and with another tenant's
//! (`routes`), and the services' OpenAPI documents (`openapi`).

mod compose;
mod e2e_bursts;
mod e2e_cards;
mod e2e_channels;
mod e2e_llm;
mod e2e_media;
mod e2e_webchat;
mod e2e_whatsapp;
mod event_consumers;
mod ingest_kill;
mod migrate;
mod observability;
mod openapi;
mod python_interop;
mod reply_kill;
mod routes;
