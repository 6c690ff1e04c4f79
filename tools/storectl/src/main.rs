//! `storectl`: the operator's and developer's command line for agent-store.
//! Everything lives in the library; see [`storectl::run`].

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // clap exits with 2 on a usage error and 0 for --help/--version.
    let cli = storectl::Cli::parse();
    storectl::run(cli).await
}
