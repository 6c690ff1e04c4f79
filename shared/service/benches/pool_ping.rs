//! What sqlx's ping on every pool checkout costs (not a test):
//! `cargo bench -p store-service --bench pool_ping`. Needs the tests'
//! PostgreSQL (`DATABASE_URL`, default the local `postgres` database).
//!
//! 32 tasks run `BENCH_STATEMENTS` (default 40,000) one-statement checkouts
//! (`select 1` on the pool) through a pool of 8, first with sqlx's default
//! (a ping before every checkout), then with the services' pool
//! (`store_service::db::connect`: no ping for a connection used within the
//! last second), alternating `BENCH_ROUNDS` (default 3) times. Each run
//! prints statements a second and the CPU a statement costs this process
//! and every PostgreSQL process, read from `/proc`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::{sync::Arc, time::Instant};

use secrecy::SecretString;
use sqlx::{PgPool, postgres::PgPoolOptions};

const TASKS: usize = 32;
const POOL: u32 = 8;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds used so far by the processes whose command name is `name`
/// (`None`: this process).
fn cpu_seconds(name: Option<&str>) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    let stat_ticks = |path: &std::path::Path| -> Option<f64> {
        let stat = std::fs::read_to_string(path).ok()?;
        let after = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime and stime: fields 14 and 15 of stat, 12 and 13 after `)`.
        Some(fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?)
    };
    match name {
        None => stat_ticks(std::path::Path::new("/proc/self/stat")).unwrap_or(0.0) / ticks,
        Some(name) => {
            let mut total = 0.0;
            for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
                if comm.trim() == name {
                    total += stat_ticks(&entry.path().join("stat")).unwrap_or(0.0);
                }
            }
            total / ticks
        }
    }
}

async fn run(name: &str, pool: PgPool, statements: usize) {
    let per_task = statements / TASKS;
    let (own, server) = (cpu_seconds(None), cpu_seconds(Some("postgres")));
    let started = Instant::now();
    let pool = Arc::new(pool);
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    sqlx::query("select 1").execute(&*pool).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let done = (per_task * TASKS) as f64;
    let own = cpu_seconds(None) - own;
    let server = cpu_seconds(Some("postgres")) - server;
    println!(
        "| {name:<34} | {:>8.0} | {:>9.1} | {:>9.1} |",
        done / elapsed,
        own / done * 1e6,
        server / done * 1e6,
    );
    pool.close().await;
    // Let the closed pool's backends exit before the next run reads the
    // server's CPU: an exiting process takes its count with it.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
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
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let services = store_service::db::connect(&SecretString::from(url.clone()), POOL)
            .await
            .unwrap();
        run("store_service::db::connect", services, statements).await;
    }
}
