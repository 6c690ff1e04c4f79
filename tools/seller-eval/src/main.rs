//! `seller-eval`: plays the shopper scenarios against the real shop and
//! writes a pass/fail table.
//!
//! ```text
//! seller-eval [--offline] [--out target/seller-eval.md] [--scenarios DIR] [--only NAME]
//! ```
//!
//! Needs the services' binaries (`cargo build --bins`), `AMQP_URL` and
//! `DATABASE_URL` (a server where it may create fresh databases); the model
//! comes from `LLM_PROVIDER`, `LLM_BASE_URL`, `LLM_MODEL`, `LLM_API_KEY`
//! unless `--offline`. Exits non-zero when a required scenario fails.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context as _, bail};
use seller_agent::config::llm_from_env;
use seller_eval as eval;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let _telemetry = store_telemetry::init("seller-eval")?;
    let mut out = PathBuf::from("target/seller-eval.md");
    let mut offline = false;
    let mut scenarios = None;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--offline" => offline = true,
            "--out" => out = args.next().context("--out needs a path")?.into(),
            "--scenarios" => scenarios = Some(args.next().context("--scenarios needs a path")?),
            "--only" => only = Some(args.next().context("--only needs a name")?),
            other => bail!("unknown argument {other:?}; see tools/seller-eval/README.md"),
        }
    }
    let llm = if offline { None } else { llm_from_env()? };
    let mut options = eval::Options::new(llm);
    options.only = only;
    if let Some(dir) = scenarios {
        options.scenarios_dir = dir.into();
    }
    let report = eval::run(&options).await?;
    let table = report.to_markdown();
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).context("Failed to create the output directory")?;
    }
    std::fs::write(&out, &table).with_context(|| format!("Failed to write {}", out.display()))?;
    println!("{table}\nwritten to {}", out.display());
    let failures = report.required_failures();
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} required scenario(s) failed", failures.len());
        Ok(ExitCode::FAILURE)
    }
}
