//! `loadgen`: see the README's "Capacity" section.

use std::process::ExitCode;

use clap::Parser as _;
use loadgen::{cli::Args, run};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
    // Interrupted, the run is dropped: the store's processes are killed.
    let outcome = tokio::select! {
        outcome = run::run(args) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted; the store's processes are stopped")),
        _ = terminate.recv() => Err(anyhow::anyhow!("terminated; the store's processes are stopped")),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
