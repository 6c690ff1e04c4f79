//! `seller-eval`: plays the shopper scenarios against the real shop, k
//! times each, and writes the Markdown report (pass^1, pass^k, failures,
//! figure violations, tokens and cost).
//!
//! ```text
//! seller-eval [--offline] [--k N] [--min-pass 0.95] [--jobs N]
//!             [--price-in USD_PER_MTOK] [--price-out USD_PER_MTOK]
//!             [--burst-window-ms 300] [--out target/seller-eval.md]
//!             [--scenarios DIR] [--only NAME]
//! ```
//!
//! Needs the services' binaries (`cargo build --bins`), `AMQP_URL` and
//! `DATABASE_URL` (a server where it may create fresh databases); the model
//! comes from `LLM_PROVIDER`, `LLM_BASE_URL`, `LLM_MODEL`, `LLM_API_KEY`
//! unless `--offline`; prices from `--price-in`/`--price-out` or
//! `LLM_PRICE_IN`/`LLM_PRICE_OUT` (per million tokens). Exits non-zero when
//! the report's verdict fails: pass^1 below `--min-pass` (default 0.95 with
//! the offline brain, 0 with a model), any figure violation, a required
//! scenario failing, or the offline brain's pass^k differing from pass^1.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use anyhow::{Context as _, bail};
use seller_agent::config::llm_from_env;
use seller_eval as eval;

/// pass^1 the offline brain must reach.
const OFFLINE_MIN_PASS: f64 = 0.95;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let _telemetry = store_telemetry::init("seller-eval")?;
    let mut out = PathBuf::from("target/seller-eval.md");
    let mut offline = false;
    let mut scenarios = None;
    let mut only = None;
    let mut k = None;
    let mut jobs = None;
    let mut min_pass = None;
    let mut burst_window = None;
    let mut price_in = env_number("LLM_PRICE_IN")?;
    let mut price_out = env_number("LLM_PRICE_OUT")?;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().with_context(|| format!("{arg} needs {what}"));
        match arg.as_str() {
            "--offline" => offline = true,
            "--out" => out = value("a path")?.into(),
            "--scenarios" => scenarios = Some(value("a path")?),
            "--only" => only = Some(value("a name")?),
            "--k" => k = Some(number::<usize>(&value("a number")?, "--k")?),
            "--jobs" => jobs = Some(number::<usize>(&value("a number")?, "--jobs")?),
            "--min-pass" => min_pass = Some(number::<f64>(&value("a fraction")?, "--min-pass")?),
            "--burst-window-ms" => {
                burst_window = Some(number::<u64>(&value("milliseconds")?, "--burst-window-ms")?);
            }
            "--price-in" => price_in = Some(number(&value("a price")?, "--price-in")?),
            "--price-out" => price_out = Some(number(&value("a price")?, "--price-out")?),
            other => bail!("unknown argument {other:?}; see tools/seller-eval/README.md"),
        }
    }
    let llm = if offline { None } else { llm_from_env()? };
    let min_pass = min_pass.unwrap_or(if llm.is_none() { OFFLINE_MIN_PASS } else { 0.0 });
    anyhow::ensure!(
        (0.0..=1.0).contains(&min_pass),
        "--min-pass is a fraction from 0 to 1"
    );
    let mut options = eval::Options::new(llm);
    options.only = only;
    if let Some(dir) = scenarios {
        options.scenarios_dir = dir.into();
    }
    if let Some(k) = k {
        anyhow::ensure!(k >= 1, "--k is at least 1");
        options.k = k;
    }
    if let Some(jobs) = jobs {
        options.jobs = jobs.max(1);
    }
    if let Some(ms) = burst_window {
        options.burst_window = Duration::from_millis(ms);
    }
    // The seller's own names for the prices, when the harness's are unset.
    options.prices = eval::Prices {
        input_per_mtok: price_in
            .or(env_number("LLM_PRICE_INPUT_PER_MTOK")?)
            .unwrap_or(0.0),
        output_per_mtok: price_out
            .or(env_number("LLM_PRICE_OUTPUT_PER_MTOK")?)
            .unwrap_or(0.0),
    };
    let report = eval::run(&options).await?;
    let table = report.to_markdown();
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).context("Failed to create the output directory")?;
    }
    std::fs::write(&out, &table).with_context(|| format!("Failed to write {}", out.display()))?;
    println!("{table}\nwritten to {}", out.display());
    let verdict = report.verdict(min_pass);
    if verdict.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for why in verdict {
            eprintln!("FAILED: {why}");
        }
        Ok(ExitCode::FAILURE)
    }
}

fn number<T: std::str::FromStr>(text: &str, flag: &str) -> anyhow::Result<T> {
    text.parse()
        .map_err(|_| anyhow::anyhow!("{flag} needs a number, not {text:?}"))
}

fn env_number(name: &str) -> anyhow::Result<Option<f64>> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(Some(number(v.trim(), name)?)),
        _ => Ok(None),
    }
}
