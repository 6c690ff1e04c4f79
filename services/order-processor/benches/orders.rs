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
//! A second table gives what each cost RabbitMQ, PostgreSQL (the whole
//! server), the catalog's process and this one (the order processor and
//! the requests), in CPU ms an order, read from `/proc`.

#![allow(clippy::unwrap_used, missing_docs, dead_code)]

#[path = "../tests/it/catalog.rs"]
mod catalog;
#[path = "../tests/it/helpers.rs"]
mod helpers;

use std::{sync::Arc, time::Instant};

use cloudevents::AttributesReader;
use store_events::{EventData, data::OrderCreated};
use store_testkit::procs::{Cost, Who};
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

    let mut cost = Cost::broker_database_and([
        // Every process of that name: run no other store beside the bench.
        ("catalog".to_owned(), Who::Named("catalog".to_owned())),
        (
            "this process (order processor, requests)".to_owned(),
            Who::Pids(vec![std::process::id()]),
        ),
    ]);
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let (through_bus, bus_cost) = cost
        .during(orders, through_the_bus(&app, &product, orders, &permits))
        .await;
    let (ceiling, ceiling_cost) = cost.during(orders, ceiling(&app, orders, &permits)).await;
    println!(
        "{orders} orders through the bus in {through_bus:?}: {:.0} orders/s | ceiling (reserve + insert transactions): {:.0} tx/s ({:.2}×)\n\n{}",
        orders as f64 / through_bus.as_secs_f64(),
        orders as f64 / ceiling.as_secs_f64(),
        ceiling.as_secs_f64() / through_bus.as_secs_f64(),
        cost.table(&[
            ("through the bus".to_owned(), bus_cost),
            ("ceiling".to_owned(), ceiling_cost),
        ]),
    );
    app.stop().await;
}

/// Places `orders` orders through the bus, `IN_FLIGHT` at a time; how long
/// it took.
async fn through_the_bus(
    app: &helpers::TestApp,
    product: &str,
    orders: usize,
    permits: &Arc<Semaphore>,
) -> std::time::Duration {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..orders {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let bus = app.bus.clone();
        let event = helpers::create_event("bench", &[(product, 1)]);
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
    assert_eq!(created, orders);
    started.elapsed()
}

/// `orders` transactions that each decrement a stock row and insert an
/// order row, `IN_FLIGHT` at a time; how long they took.
async fn ceiling(
    app: &helpers::TestApp,
    orders: usize,
    permits: &Arc<Semaphore>,
) -> std::time::Duration {
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
    started.elapsed()
}
