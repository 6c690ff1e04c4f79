//! What sqlx's ping on every pool checkout costs (not a test):
//! `cargo bench -p loadgen --bench pool_ping`. Needs the tests'
//! PostgreSQL (`DATABASE_URL`, default the local `postgres` database).
//!
//! 32 tasks run `BENCH_STATEMENTS` (default 40,000) one-statement checkouts
//! (`select 1` on the pool) through a pool of 8, first with sqlx's default
//! (a ping before every checkout), then with the services' pool
//! (`store_service::db::connect`: no ping for a connection used within the
//! last second), alternating `BENCH_ROUNDS` (default 3) times. Each run
//! prints statements a second and the CPU a statement costs this process
//! and every PostgreSQL process, as loadgen reads them (`loadgen::procs`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use secrecy::SecretString;
use sqlx::{PgPool, postgres::PgPoolOptions};
use store_testkit::procs::{Procs, Who};

const TASKS: usize = 32;
const POOL: u32 = 8;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run(name: &str, pool: PgPool, statements: usize) {
    let per_task = statements / TASKS;
    // Groups in this order: this process, then the database server.
    let mut procs = Procs::new(vec![
        ("bench".to_owned(), Who::Pids(vec![std::process::id()])),
        ("postgres".to_owned(), Who::Named("postgres".to_owned())),
    ]);
    procs.sample();
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    sqlx::query("select 1").execute(&pool).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let used = procs.sample();
    let done = (per_task * TASKS) as f64;
    println!(
        "| {name:<34} | {:>8.0} | {:>9.1} | {:>9.1} |",
        done / elapsed,
        used[0].cpu_seconds / done * 1e6,
        used[1].cpu_seconds / done * 1e6,
    );
    pool.close().await;
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let statements = env_or("BENCH_STATEMENTS", 40_000);
    let rounds = env_or("BENCH_ROUNDS", 3);
    println!(
        "| pool | statements/s | µs CPU a statement, this process | µs CPU a statement, PostgreSQL |"
    );
    println!("|---|---:|---:|---:|");
    for _ in 0..rounds {
        let pinged = PgPoolOptions::new()
            .max_connections(POOL)
            .connect(&url)
            .await
            .unwrap();
        run("sqlx default (ping every checkout)", pinged, statements).await;
        let services = store_service::db::connect(&SecretString::from(url.clone()), POOL)
            .await
            .unwrap();
        run("store_service::db::connect", services, statements).await;
    }
}
