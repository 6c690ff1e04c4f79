//! `store-up`: the whole store on this machine, until Ctrl-C.
//!
//! ```text
//! store-up [--reset] [--llm offline|openai|anthropic|ollama] [--model NAME]
//!          [--base-url URL] [--tenants FILE] [--state-dir DIR]
//!          [--name NAME] [--port PORT]
//! ```
//!
//! `--name` runs a second, separate store beside the usual one: its own
//! databases (`NAME_*`), exchange (`NAME.events`) and queues; `--port`
//! moves its ports (gateway PORT, catalog PORT+1, order processor PORT+2,
//! sales assistant PORT+3, sellers from PORT+10; the operator ports: the
//! sales assistant's PORT+4, gateway's PORT+5, catalog's PORT+6, order
//! processor's PORT+7, sellers' from PORT+40).
//!
//! Sellers use the offline brain unless `--llm` (or `LLM_PROVIDER`) names a
//! provider; the key is read from `LLM_API_KEY` only, never from the command
//! line (where `ps` would show it). `scripts/run.sh` builds everything and
//! runs this.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Context as _;
use secrecy::SecretString;
use store_stack::{LlmSettings, Stack, StackConfig};
use tokio::signal::unix::{SignalKind, signal};

#[derive(Debug, Default)]
struct Args {
    reset: bool,
    llm: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    tenants: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    name: Option<String>,
    port: Option<u16>,
}

const USAGE: &str = "usage: store-up [--reset] [--llm offline|openai|anthropic|ollama] \
[--model NAME] [--base-url URL] [--tenants FILE] [--state-dir DIR] [--name NAME] [--port PORT]";

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--reset" => parsed.reset = true,
            "--llm" => parsed.llm = Some(value("--llm")?),
            "--model" => parsed.model = Some(value("--model")?),
            "--base-url" => parsed.base_url = Some(value("--base-url")?),
            "--tenants" => parsed.tenants = Some(value("--tenants")?.into()),
            "--state-dir" => parsed.state_dir = Some(value("--state-dir")?.into()),
            "--name" => {
                let name = value("--name")?;
                let plain = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !plain {
                    return Err(format!(
                        "--name {name:?}: use lowercase letters, digits and _"
                    ));
                }
                parsed.name = Some(name);
            }
            "--port" => {
                let port = value("--port")?;
                parsed.port = Some(
                    port.parse()
                        .ok()
                        .filter(|p: &u16| *p > 0 && *p < 65_000)
                        .ok_or_else(|| format!("--port {port:?} is not a usable port"))?,
                );
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The sellers' model from the arguments, then the environment.
fn llm(args: &Args) -> anyhow::Result<Option<LlmSettings>> {
    let provider = args.llm.clone().or_else(|| env("LLM_PROVIDER"));
    let model = args.model.clone().or_else(|| env("LLM_MODEL"));
    let base_url = args.base_url.clone().or_else(|| env("LLM_BASE_URL"));
    let api_key = env("LLM_API_KEY").map(SecretString::from);
    let (provider, default_model, default_base) = match provider.as_deref() {
        None | Some("offline") => return Ok(None),
        Some("ollama") => (
            "openai",
            Some("llama3.1"),
            Some("http://127.0.0.1:11434/v1"),
        ),
        Some(p @ ("openai" | "anthropic")) => (p, None, None),
        Some(other) => {
            anyhow::bail!("--llm {other:?} is not one of offline, openai, anthropic, ollama")
        }
    };
    let model = model
        .or(default_model.map(str::to_owned))
        .context("--model (or LLM_MODEL) is required with --llm openai or anthropic")?;
    if api_key.is_none() && default_base.is_none() && base_url.is_none() {
        anyhow::bail!("LLM_API_KEY must be set for --llm {provider}");
    }
    Ok(Some(LlmSettings {
        provider: provider.to_owned(),
        model,
        base_url: base_url.or(default_base.map(str::to_owned)),
        api_key,
    }))
}

fn config(args: &Args) -> anyhow::Result<StackConfig> {
    let bin_dir = store_stack::process::bin_dir()?;
    let tenants = args
        .tenants
        .clone()
        .unwrap_or_else(|| PathBuf::from("config/tenants.demo.yaml"));
    let tenants = std::fs::canonicalize(&tenants)
        .with_context(|| format!("Cannot find the tenants file {}", tenants.display()))?;
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(".run"));
    std::fs::create_dir_all(&state_dir)
        .with_context(|| format!("Cannot create {}", state_dir.display()))?;
    let mut config = StackConfig::local(bin_dir, tenants, std::fs::canonicalize(&state_dir)?);
    if let Some(url) = env("AMQP_URL") {
        config.amqp_url = url;
    }
    if let Some(url) = env("POSTGRES_URL") {
        config.postgres_url = url;
    }
    if let Some(url) = env("RABBITMQ_MANAGEMENT_URL") {
        config.management_url = url;
    }
    config.env.push((
        "RUST_LOG".to_owned(),
        env("RUST_LOG").unwrap_or_else(|| "info".to_owned()),
    ));
    config.llm = llm(args)?;
    if let Some(name) = &args.name {
        config.database_prefix = name.clone();
        config.exchange = Some(format!("{name}.events"));
    }
    if let Some(port) = args.port {
        config.ports = store_stack::Ports {
            gateway: port,
            catalog: port + 1,
            orders: port + 2,
            sales: port + 3,
            sales_operator: port + 4,
            first_seller: port + 10,
            gateway_operator: port + 5,
            catalog_operator: port + 6,
            orders_operator: port + 7,
            first_seller_operator: port + 40,
        };
    }
    Ok(config)
}

fn print_urls(stack: &Stack, config: &StackConfig) -> anyhow::Result<()> {
    let urls = stack.urls();
    let brain = match &config.llm {
        None => "offline brain (no LLM configured)".to_owned(),
        Some(llm) => format!("{} model {}", llm.provider, llm.model),
    };
    println!("\nagent-store is up — sellers use the {brain}.\n");
    println!("  Web chat:");
    for tenant in store_stack::tenants::read(&config.tenants_file)?
        .into_iter()
        .filter(|t| t.webchat)
    {
        println!(
            "    {:<10} {}/chat/{}",
            tenant.tenant, urls.gateway, tenant.tenant
        );
    }
    println!(
        "  Terminal shopper:  target/debug/storectl --gateway {} chat --tenant demo",
        urls.gateway
    );
    println!("  Human sellers' inbox: {}/inbox", urls.sales);
    for (tenant, owner) in &urls.inbox_owners {
        println!(
            "    {tenant:<10} sign in as {} / {}",
            owner.email, owner.password
        );
    }
    println!(
        "  Webhooks:          {}/webhooks/whatsapp/<tenant>  {}/webhooks/telegram/<tenant>",
        urls.gateway, urls.gateway
    );
    println!("  Metrics:");
    println!(
        "    gateway                {}/metrics",
        urls.gateway_operator
    );
    println!(
        "    catalog                {}/metrics",
        urls.catalog_operator
    );
    println!(
        "    order-processor        {}/metrics",
        urls.orders_operator
    );
    println!("    sales-assistant        {}/metrics", urls.sales_operator);
    for (seller, url) in &urls.sellers {
        println!("    {:<22} {url}/metrics", format!("seller {seller}"));
    }
    println!("  RabbitMQ:          http://127.0.0.1:15672 (guest / guest)");
    println!(
        "  Logs:              {}/logs/*.log",
        config.state_dir.display()
    );
    println!(
        "  API keys:          {0}/orders-api-keys.json (order processor), {0}/sales-api-keys.json (human sellers' inbox API), {0}/inbox-owners.json (inbox sign-ins)",
        config.state_dir.display()
    );
    println!("\nCtrl-C stops everything.");
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let config = config(&args)?;
    if args.reset {
        println!("resetting the local databases and the store's queues…");
        Stack::reset(&config).await?;
    }
    println!(
        "starting the store (logs in {}/logs)…",
        config.state_dir.display()
    );
    let mut stack = Stack::start(&config).await?;
    print_urls(&stack, &config)?;

    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut check = tokio::time::interval(Duration::from_secs(1));
    let crashed = loop {
        tokio::select! {
            _ = interrupt.recv() => break None,
            _ = terminate.recv() => break None,
            _ = check.tick() => {
                if let Some((name, status)) = stack.exited() {
                    break Some(format!("{name} stopped unexpectedly ({status}); see {}", stack.log(&name).display()));
                }
            }
        }
    };
    if let Some(crash) = &crashed {
        eprintln!("error: {crash}");
    }
    println!("\nstopping…");
    let unclean = stack.stop().await;
    for problem in &unclean {
        eprintln!("warning: {problem}");
    }
    if unclean.is_empty() && crashed.is_none() {
        println!("stopped cleanly.");
    }
    Ok(unclean.is_empty() && crashed.is_none())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("error: {problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
