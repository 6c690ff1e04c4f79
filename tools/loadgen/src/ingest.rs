//! `--ingest 32,128`: the gateway's webhook ingestion measured from outside
//! its process, on a running store with its sellers answering, beside a
//! bare handler in this process (`store_testkit::bare_handler`: publish
//! the body with a confirm, mandatory, to a quorum queue of its own that a
//! consumer empties) — the ceiling of "HTTP in, one confirmed event out" on this
//! machine and broker. At each concurrency the two take turns with the
//! same number of signed WhatsApp webhooks, every one a distinct message of
//! a distinct shopper, sent as fast as that many in flight allow; the
//! store's queues are let drain before each run, so one run's backlog does
//! not slow the next.

use std::time::Duration;

use futures::StreamExt as _;
use lapin::{
    Connection,
    options::{
        BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions,
        QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable},
};

use store_testkit::{
    procs::{Cost, Who},
    webhook_load::{self, SignedWebhook, post_all},
};

use crate::{
    cli::Args,
    tenants::{APP_SECRET, LoadBrand},
};

/// A handler's URL for a tenant.
type UrlOf<'a> = &'a dyn Fn(&str) -> String;

/// The bare handler's queue and routing key, in the store's exchange.
const BARE: &str = "loadgen.ingest.bare";

/// Starts the bare handler (and the consumer emptying its queue); its URL.
async fn start_bare(args: &Args) -> anyhow::Result<(String, Connection)> {
    let (url, connection) = store_testkit::bare_handler::start(
        &args.amqp_url,
        &args.exchange(),
        &[(BARE, store_testkit::bare_handler::Routing::Required)],
    )
    .await?;
    let channel = connection.create_channel().await?;
    let mut quorum = FieldTable::default();
    quorum.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    channel
        .queue_declare(
            BARE.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            quorum,
        )
        .await?;
    channel
        .queue_bind(
            BARE.into(),
            args.exchange().as_str().into(),
            BARE.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    // The consumer a deployment would have: acks each message.
    let consume = connection.create_channel().await?;
    consume
        .basic_qos(200, lapin::options::BasicQosOptions::default())
        .await?;
    let mut deliveries = consume
        .basic_consume(
            BARE.into(),
            "loadgen-bare-sink".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    tokio::spawn(async move {
        while let Some(Ok(delivery)) = deliveries.next().await {
            let _ = delivery.ack(BasicAckOptions::default()).await;
        }
    });
    Ok((url, connection))
}

/// `requests` signed WhatsApp webhooks, each a greeting from a new shopper
/// to one of the load's brands, posted to `url_of(tenant)`.
fn webhooks(
    brands: &[LoadBrand],
    requests: usize,
    run: &str,
    url_of: impl Fn(&str) -> String,
) -> Vec<SignedWebhook> {
    (0..requests)
        .map(|i| {
            let brand = &brands[i % brands.len()];
            let wa_id = format!("3470{:08}", i);
            let (_wamid, body) = store_testkit::whatsapp::whatsapp_text_to(
                &brand.number,
                &format!("{wa_id}{run}"),
                "hi",
            );
            let signature = store_testkit::whatsapp::signature(APP_SECRET, &body);
            SignedWebhook {
                url: url_of(&brand.tenant),
                body,
                signature,
            }
        })
        .collect()
}

/// Runs the comparison at each of `concurrencies`, `requests` webhooks a
/// run, waiting with `settle` for the store's queues to drain before each,
/// and reports what each run cost `watched` (the store's processes, the
/// broker, the database) and this process; whether every request was
/// answered 2xx.
pub async fn compare<F, Fut>(
    args: &Args,
    gateway: &str,
    watched: &[(String, Who)],
    brands: &[LoadBrand],
    concurrencies: &[usize],
    requests: usize,
    settle: F,
) -> anyhow::Result<bool>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    anyhow::ensure!(!brands.is_empty(), "no brand to send to");
    let (bare_url, connection) = start_bare(args).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(1024)
        .build()?;
    let salt = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        % 100_000;
    let to_gateway = |tenant: &str| format!("{gateway}/webhooks/whatsapp/{tenant}");
    let to_bare = |_: &str| bare_url.clone();
    // Warm-up: connections, caches, the sellers' first turns.
    let warm = format!("w{salt}");
    post_all(&http, webhooks(brands, 200, &warm, to_gateway), 32).await;
    post_all(&http, webhooks(brands, 200, &warm, to_bare), 32).await;

    println!("## Webhook ingestion from outside (`--ingest`)\n");
    println!(
        "{requests} signed WhatsApp webhooks a run, each a new shopper's greeting; the store's sellers answer every one. The bare handler: axum + lapin in loadgen's process, one confirmed mandatory publish to a quorum queue of its own.\n"
    );
    println!("{}", webhook_load::HEADER);
    let mut clean = true;
    let mut ratios = Vec::new();
    let (parts, whole): (Vec<_>, Vec<_>) = watched
        .iter()
        .cloned()
        .partition(|(name, _)| crate::store::is_database_part(name));
    let mut cost = Cost::with_parts(
        whole
            .into_iter()
            .chain([(
                "loadgen (the client, the bare handler)".to_owned(),
                Who::Pids(vec![std::process::id()]),
            )])
            .collect(),
        parts,
    );
    let mut costs = Vec::new();
    // Name, the webhooks' id tag, the URL for a tenant.
    let targets: [(&str, &str, UrlOf); 2] = [
        ("gateway (running store)", "g", &to_gateway),
        ("bare axum + lapin", "b", &to_bare),
    ];
    for (n, &in_flight) in concurrencies.iter().enumerate() {
        let mut runs = Vec::new();
        for (name, tag, url_of) in targets {
            settle().await;
            let (run, costed) = cost
                .during(
                    requests,
                    post_all(
                        &http,
                        webhooks(brands, requests, &format!("{tag}{salt}{n}"), url_of),
                        in_flight,
                    ),
                )
                .await;
            println!("{}", run.row(name, in_flight));
            if let Some(example) = &run.example {
                eprintln!(
                    "{name} at {in_flight}: {} non-2xx, e.g. {example}",
                    run.non_2xx
                );
            }
            clean &= run.non_2xx == 0;
            costs.push((format!("{name}, {in_flight}"), costed));
            runs.push(run);
        }
        let [gateway_run, bare_run] = &runs[..] else {
            unreachable!("two targets");
        };
        ratios.push((
            in_flight,
            gateway_run.rate() / bare_run.rate(),
            gateway_run.ms(0.99) / bare_run.ms(0.99),
        ));
    }
    println!();
    for (in_flight, rate, p99) in ratios {
        println!(
            "- {in_flight} in flight: gateway / bare = {rate:.2}× the requests per second, {p99:.2}× the p99"
        );
    }
    println!(
        "\nWhat each run cost, CPU ms a request while it ran (a gateway run's includes the sellers' turns it started; the queues drain between runs, outside these):\n\n{}\n",
        cost.table(&costs)
    );
    let channel = connection.create_channel().await?;
    let _ = channel
        .queue_delete(BARE.into(), QueueDeleteOptions::default())
        .await;
    let _ = connection.close(200, "done".into()).await;
    Ok(clean)
}
