//! Order throughput benchmark (not a test):
//! `cargo bench -p order-processor --bench orders`; `BENCH_ORDERS` sets the
//! number of orders, default 500. Needs the local RabbitMQ and PostgreSQL,
//! and the catalog's release binary (`cargo build --release --bins`): the
//! catalog runs as a process, as the tests run it.
//!
//! Places orders through the bus (seller request → order processor →
//! catalog reservation → order stored → reply) with 32 in flight, beside the
//! physical ceiling on the same database server: the same number of
//! transactions that each decrement a stock row and insert an order row.

#![allow(clippy::unwrap_used, missing_docs, dead_code)]

#[path = "../tests/it/catalog.rs"]
mod catalog;
#[path = "../tests/it/helpers.rs"]
mod helpers;

use std::{sync::Arc, time::Instant};

use cloudevents::AttributesReader;
use store_events::{EventData, data::OrderCreated};
use tokio::sync::Semaphore;

const IN_FLIGHT: usize = 32;

#[tokio::main]
async fn main() {
    let orders: usize = std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let app = helpers::TestApp::spawn().await;
    let (catalog_key, _) = app.tenant("bench").await;
    let product = app.product(&catalog_key, "BENCH", 1000, 1_000_000).await;

    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..orders {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let bus = app.bus.clone();
        let event = helpers::create_event("bench", &[(&product, 1)]);
        tasks.push(tokio::spawn(async move {
            let reply = bus
                .request(event, std::time::Duration::from_secs(60))
                .await
                .unwrap();
            drop(permit);
            reply.ty() == OrderCreated::TYPE
        }));
    }
    let mut created = 0;
    for task in tasks {
        created += usize::from(task.await.unwrap());
    }
    let through_bus = started.elapsed();
    assert_eq!(created, orders);

    sqlx::query("create table bench_stock (id int primary key, stock int not null)")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("create table bench_order (id bigserial primary key, item int not null, created_at timestamptz default now())")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("insert into bench_stock values (1, 1000000)")
        .execute(&app.pool)
        .await
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..orders {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let pool = app.pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("update bench_stock set stock = stock - 1 where id = 1 and stock > 0")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("insert into bench_order (item) values (1)")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            drop(permit);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let ceiling = started.elapsed();
    println!(
        "{orders} orders through the bus in {through_bus:?}: {:.0} orders/s | ceiling (reserve + insert transactions): {:.0} tx/s",
        orders as f64 / through_bus.as_secs_f64(),
        orders as f64 / ceiling.as_secs_f64(),
    );
    app.stop().await;
}
