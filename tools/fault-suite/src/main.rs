//! `fault-suite`: runs the faults and prints (and writes) the table.

use std::path::PathBuf;

use clap::Parser;
use fault_suite::{
    faults::Fault,
    ledger::Row,
    run::{Options, Suite},
    table,
};

/// Runs the whole store on a PostgreSQL cluster and RabbitMQ node(s) of its
/// own, one fault per row in the middle of a stream of shoppers, and
/// checks that nothing was lost or doubled.
#[derive(Debug, Parser)]
#[command(name = "fault-suite")]
struct Args {
    /// Only these faults (comma-separated names; `--list` shows them).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Fewer shoppers and shorter waits (CI).
    #[arg(long)]
    quick: bool,
    /// Seconds after which duplicate webhooks are delivered once more.
    #[arg(long)]
    again_after: Option<u64>,
    /// Write the table into this document (between its markers), e.g.
    /// docs/faults.md.
    #[arg(long)]
    write: Option<PathBuf>,
    /// List the faults and exit.
    #[arg(long)]
    list: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Interrupted, the run is dropped: the store's processes are killed and
    // the suite's PostgreSQL and RabbitMQ stopped and removed (their Drop).
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = run(args) => result,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted; the suite's servers are stopped"),
        _ = terminate.recv() => anyhow::bail!("terminated; the suite's servers are stopped"),
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let all = Fault::all();
    if args.list {
        for fault in &all {
            println!("{:24} {}", fault.name(), fault.describe());
        }
        return Ok(());
    }
    let unknown: Vec<&String> = args
        .only
        .iter()
        .filter(|name| !all.iter().any(|f| f.name() == **name))
        .collect();
    anyhow::ensure!(unknown.is_empty(), "unknown faults {unknown:?}; see --list");
    let faults: Vec<Fault> = all
        .into_iter()
        .filter(|f| args.only.is_empty() || args.only.contains(&f.name()))
        .collect();
    let mut options = if args.quick {
        Options::quick()
    } else {
        Options::full()
    };
    if let Some(secs) = args.again_after {
        options.again_after = std::time::Duration::from_secs(secs);
    }

    let started = std::time::Instant::now();
    let mut suite = Suite::start(options).await?;
    let mut rows: Vec<Row> = Vec::new();
    for fault in &faults {
        let row = match suite.row(fault).await {
            Ok(row) => row,
            Err(error) => Row {
                fault: fault.name(),
                stock: "—".to_owned(),
                notes: vec![format!("ROW FAILED: {error:#}")],
                ..Row::default()
            },
        };
        println!("  {}", table::line(&row));
        rows.push(row);
    }
    let unclean = suite.stop().await;
    let markdown = table::markdown(&rows);
    println!("\n{markdown}");
    println!(
        "{} rows in {:.0} s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if !unclean.is_empty() {
        println!("services that did not stop cleanly at the end: {unclean:?}");
    }
    if let Some(path) = &args.write {
        let command = std::iter::once("cargo run -p fault-suite --".to_owned())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" ");
        table::write_into(path, &markdown, &command)?;
        println!("written into {}", path.display());
    }
    let failed = rows.iter().filter(|r| r.lost > 0 || r.doubled > 0).count();
    anyhow::ensure!(failed == 0, "{failed} rows lost or doubled something");
    Ok(())
}
