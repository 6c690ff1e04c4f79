//! The modes over one store: a single run (tables of traffic, resources,
//! queues and cost), the capacity search (`--find-capacity`), the soak
//! (`--soak`) and webhook ingestion beside a bare handler (`--ingest`).

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use store_testkit::procs::Procs;

use crate::{
    broker::Management,
    cli::Args,
    drive::{Crowd, Pace},
    outbound::Outbound,
    record::Tally,
    report::{self, Step},
    sample::{Snapshot, Watch},
    soak,
    store::Store,
    target::Target,
    tenants,
};

/// Runs what `args` ask; whether it passed (a soak that grows, or a run
/// that lost messages or got non-2xx answers, did not).
pub async fn run(args: Args) -> anyhow::Result<bool> {
    let brands = tenants::brands()?;
    if args.tenants_file {
        println!("{}", tenants::file(&brands)?);
        return Ok(true);
    }
    anyhow::ensure!(!args.channels.is_empty(), "--channels names none");
    let outbound = Outbound::start(args.outbound_port).await?;
    let mut store = match &args.attach {
        Some(gateway) => Store::attach(gateway, &args.database_prefix()),
        None => {
            eprintln!("starting the store (release binaries, fresh databases)…");
            Store::start(&args, &brands, &outbound.uri()).await?
        }
    };
    let target = Arc::new(Target::new(store.gateway.clone(), outbound, args.deadline)?);
    let crowd = Crowd::new(target, args.channels.clone(), brands.clone(), args.shoppers);
    let watch = Watch {
        procs: Arc::new(Mutex::new(Procs::new(store.watched.clone()))),
        broker: Arc::new(Management::new(&args.management_url, &args.exchange())?),
        postgres_url: args.postgres_url.clone(),
        db_prefix: args.database_prefix(),
    };
    // The first reading is every group's baseline.
    watch.read_procs();
    print_setting(&args, &store);

    let outcome = if let Some(concurrencies) = &args.ingest {
        crate::ingest::compare(
            &args,
            &store.gateway,
            &store.watched,
            &brands,
            concurrencies,
            args.ingest_requests,
            || settle(&watch, Duration::from_secs(300)),
        )
        .await
    } else if args.find_capacity {
        find_capacity(&args, &crowd, &watch).await
    } else if let Some(length) = args.soak {
        soak(&args, &crowd, &watch, length).await
    } else {
        single(&args, &crowd, &watch).await
    };
    if let Some(logs) = store.logs(&args) {
        println!("\nservices' logs: {}", logs.display());
    }
    let unclean = store.stop().await;
    if !unclean.is_empty() {
        println!("services that did not stop cleanly: {unclean:?}");
    }
    outcome
}

fn print_setting(args: &Args, store: &Store) {
    let command: Vec<String> = std::env::args().collect();
    println!("# loadgen\n");
    println!("`{}`\n", command.join(" "));
    println!(
        "- store: {} ({}), sellers: {}, seller burst window {} ms, services' RUST_LOG={}",
        store.gateway,
        if store.stack.is_some() {
            "started by loadgen"
        } else {
            "attached"
        },
        store.brain,
        args.burst_window_ms,
        args.rust_log
    );
    if let Some(pools) = store.pools {
        println!("- database pools (DATABASE_MAX_CONNECTIONS): {pools}");
    }
    println!(
        "- machine: {} CPUs, load average before the run {} (other work on the machine shows in every number)",
        std::thread::available_parallelism().map_or(0, usize::from),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "- shoppers: {} to start with, over {}; deadline {} s\n",
        args.shoppers,
        args.channels
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        args.deadline.as_secs()
    );
}

/// Waits until the store's queues are empty but for dead letters (up to
/// `patience`), then long
/// enough for the broker's and PostgreSQL's statistics to catch up.
async fn settle(watch: &Watch, patience: Duration) {
    let started = Instant::now();
    while started.elapsed() < patience {
        match watch.broker.queues().await {
            // Dead letters stay until an operator replays them.
            Ok(queues)
                if queues
                    .iter()
                    .all(|q| q.messages == 0 || q.name.ends_with(".dlq")) =>
            {
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    // RabbitMQ refreshes its statistics every 5 s.
    tokio::time::sleep(Duration::from_secs(6)).await;
}

/// One run at `args`' pace, with every table.
async fn single(args: &Args, crowd: &Arc<Crowd>, watch: &Watch) -> anyhow::Result<bool> {
    let pace = match (args.rate, args.in_flight) {
        (_, Some(n)) => Pace::Closed(n),
        (Some(rate), None) => Pace::Open(rate),
        (None, None) => Pace::Open(10.0),
    };
    let (tally, samples, before, after) = measured(args, crowd, watch, pace, args.duration).await?;
    println!("## Traffic ({pace:?}, {} s)\n", args.duration.as_secs());
    println!("{}", report::traffic(&tally));
    println!("shoppers in all: {}\n", crowd.shoppers());
    println!("{}", report::sends(&crowd.sends()));
    println!("## CPU and memory\n\n{}", report::resources(&samples));
    println!("## Queue depths\n\n{}", report::queues(&samples));
    println!(
        "## Cost of one message\n\n{}",
        report::cost(&before, &after, tally.total().answered)
    );
    let total = tally.total();
    Ok(tally.non_2xx() == 0 && total.answered == total.sent)
}

/// Drives at `pace` for `length` with sampling and snapshots around it.
async fn measured(
    args: &Args,
    crowd: &Arc<Crowd>,
    watch: &Watch,
    pace: Pace,
    length: Duration,
) -> anyhow::Result<(Tally, Vec<crate::sample::Sample>, Snapshot, Snapshot)> {
    let before = watch.snapshot().await?;
    let sampler = watch.start_sampling(args.sample_every);
    let recorder = crowd.drive(pace, length).await;
    settle(watch, Duration::from_secs(60)).await;
    let samples = sampler.finish().await;
    let after = watch.snapshot().await?;
    Ok((recorder.tally(), samples, before, after))
}

/// Steps the offered rate up until the store no longer sustains it, then
/// tries once between the last sustained rate and the first that failed.
async fn find_capacity(args: &Args, crowd: &Arc<Crowd>, watch: &Watch) -> anyhow::Result<bool> {
    let mut steps: Vec<Step> = Vec::new();
    let mut best: Option<(Step, Snapshot, Snapshot, u64)> = None;
    let mut rate = args.from_rate;
    let mut failed_at: Option<f64> = None;
    let mut refined = false;
    for _ in 0..16 {
        eprintln!(
            "capacity: offering {rate:.1} msg/s for {} s…",
            args.step_duration.as_secs()
        );
        let (tally, samples, before, after) =
            measured(args, crowd, watch, Pace::Open(rate), args.step_duration).await?;
        let growth = soak::queue_growth(&samples, args.step_duration);
        let step = step_of(rate, &tally, args.p99_target, growth);
        let row = report::capacity(std::slice::from_ref(&step), args.p99_target);
        eprintln!("  {}", row.lines().nth(2).unwrap_or_default());
        for lost in &tally.lost {
            eprintln!("  lost: {lost}");
        }
        if !tally.failures.is_empty() {
            eprintln!(
                "  non-2xx: {:?}",
                tally.failures.iter().take(5).collect::<Vec<_>>()
            );
        }
        steps.push(step.clone());
        if step.sustained {
            if best.as_ref().is_none_or(|(b, ..)| b.offered < step.offered) {
                best = Some((step, before, after, tally.total().answered));
            }
        } else {
            failed_at = Some(failed_at.map_or(rate, |f: f64| f.min(rate)));
        }
        let last_ok = best.as_ref().map_or(0.0, |(b, ..)| b.offered);
        rate = match failed_at {
            None => rate * args.step_factor,
            // Once: halfway between the last sustained rate and the first
            // failure, when they are more than 10 % apart.
            Some(failed) if !refined && last_ok > 0.0 && failed > last_ok * 1.1 => {
                refined = true;
                (last_ok + failed) / 2.0
            }
            Some(_) => break,
        };
    }
    steps.sort_by(|a, b| a.offered.total_cmp(&b.offered));
    println!(
        "## Capacity (open loop, {} s a step, end-to-end p99 ≤ {} ms)\n",
        args.step_duration.as_secs(),
        args.p99_target.as_millis()
    );
    println!("{}", report::capacity(&steps, args.p99_target));
    match &best {
        Some((step, before, after, answered)) => {
            println!(
                "**Capacity: {:.1} shopper messages/s** (end-to-end p99 {:.0} ms).\n",
                step.offered,
                step.end_to_end[2] as f64 / 1000.0
            );
            println!(
                "## Cost of one message at {:.1} msg/s\n\n{}",
                step.offered,
                report::cost(before, after, *answered)
            );
        }
        None => println!("**The store sustained none of the rates offered.**\n"),
    }
    Ok(best.is_some())
}

/// The step at `rate` from what was recorded, and the fitted growth of the
/// store's queues over the step (`None`: the broker did not say).
fn step_of(rate: f64, tally: &Tally, target: Duration, queue_growth: Option<f64>) -> Step {
    let latencies = tally.all_latencies();
    let total = tally.total();
    let e2e = &latencies.end_to_end;
    let q = |p| {
        if e2e.is_empty() {
            0
        } else {
            e2e.value_at_quantile(p)
        }
    };
    let p99 = q(0.99);
    let lost = total.sent - total.answered;
    let non_2xx = tally.non_2xx();
    Step {
        offered: rate,
        achieved: total.answered_in_window as f64 / tally.window.as_secs_f64().max(0.001),
        end_to_end: [q(0.5), q(0.9), p99],
        http_p99: if latencies.http.is_empty() {
            0
        } else {
            latencies.http.value_at_quantile(0.99)
        },
        lost,
        non_2xx,
        queue_growth,
        // A non-2xx redelivered and answered costs latency, which the p99
        // shows; it is reported, and fails a single run or a soak, but a
        // capacity is a rate, so only latency, loss and the queues decide
        // here. Queues that grow through the step mean a consumer off the
        // reply's path (the inbox, say) falls further behind every second:
        // not a rate the store sustains, however fast the replies are.
        sustained: lost == 0
            && total.answered > 0
            && u128::from(p99) <= target.as_micros()
            && queue_growth.is_none_or(|g| g <= soak::queue_limit(rate)),
    }
}

/// Steady load for `length`, then the verdict.
async fn soak(
    args: &Args,
    crowd: &Arc<Crowd>,
    watch: &Watch,
    length: Duration,
) -> anyhow::Result<bool> {
    let rate = args.rate.unwrap_or(10.0);
    let (tally, samples, before, after) =
        measured(args, crowd, watch, Pace::Open(rate), length).await?;
    println!("## Soak: {rate} msg/s for {} s\n", length.as_secs());
    println!("{}", report::traffic(&tally));
    println!("{}", report::sends(&crowd.sends()));
    println!("## Series (every {} s)\n", args.sample_every.as_secs());
    println!("{}", report::soak_series(&samples));
    // Every shopper says each of the script's four lines once.
    let warm_up = Duration::from_secs_f64(4.0 * args.shoppers as f64 / rate.max(0.001));
    let (table, flat) = soak::verdict(&samples, rate, warm_up);
    println!("## Verdict\n\n{}", soak::CRITERION);
    println!("{table}");
    println!(
        "## Cost of one message\n\n{}",
        report::cost(&before, &after, tally.total().answered)
    );
    let total = tally.total();
    let clean = tally.non_2xx() == 0 && total.answered == total.sent;
    println!(
        "soak {}: memory and queues {}, {} lost, {} non-2xx",
        if flat && clean { "PASSED" } else { "FAILED" },
        if flat {
            "flat"
        } else {
            "not flat (see the verdict)"
        },
        total.sent - total.answered,
        tally.non_2xx()
    );
    Ok(flat && clean)
}
