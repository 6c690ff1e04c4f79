//! Runs the rows: starts the suite's PostgreSQL and RabbitMQ and the store
//! on them, then for each fault a stream of shoppers with the fault done in
//! its middle, and counts the row's ledger.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context as _;
use tokio::{sync::Barrier, task::JoinSet};

use crate::{
    bus_tap::{self, Tap},
    faults::{DOWN, Fault},
    graph::GraphMode,
    ledger::{self, OrdersExpected, Row, StockBook},
    llm::FakeLlm,
    postgres::Postgres,
    rabbit::Broker,
    shop::{BRANDS, Brand, Shop},
    stream::{self, Conversation, Delivery, Sent},
};

/// How a run is paced.
#[derive(Debug, Clone)]
pub struct Options {
    /// A new shopper every this long.
    pub interval: Duration,
    /// Stream before the fault.
    pub lead_in: Duration,
    /// Stream after the fault ended.
    pub tail: Duration,
    /// Duplicate webhooks are delivered once more after this long.
    pub again_after: Duration,
    /// How long the LLM and WhatsApp API faults last.
    pub hold: Duration,
}

impl Options {
    /// The full run.
    pub fn full() -> Self {
        Self {
            interval: Duration::from_millis(500),
            lead_in: Duration::from_secs(4),
            tail: Duration::from_secs(6),
            again_after: Duration::from_secs(60),
            hold: Duration::from_secs(8),
        }
    }

    /// The CI run: fewer shoppers, shorter waits.
    pub fn quick() -> Self {
        Self {
            interval: Duration::from_millis(900),
            lead_in: Duration::from_secs(2),
            tail: Duration::from_secs(3),
            again_after: Duration::from_secs(5),
            hold: Duration::from_secs(4),
        }
    }
}

/// The suite's infrastructure and store, between rows.
pub struct Suite {
    options: Options,
    postgres: Arc<Postgres>,
    broker: Arc<Broker>,
    shop: Arc<Shop>,
    tap: Tap,
    stock: StockBook,
    rows: usize,
    dir: std::path::PathBuf,
}

impl Suite {
    /// Starts PostgreSQL, one RabbitMQ node and the store.
    pub async fn start(options: Options) -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("fault-suite-{}", uuid::Uuid::new_v4().simple()));
        let postgres = Arc::new(tokio::task::spawn_blocking(Postgres::start).await??);
        let broker = Arc::new(tokio::task::spawn_blocking(|| Broker::start(1)).await??);
        println!(
            "suite: PostgreSQL on {}, RabbitMQ node {} on {}",
            postgres.url(),
            broker.nodes[0].name,
            broker.amqp_url()
        );
        let shop = Arc::new(
            Shop::start(
                &postgres.url(),
                "fault",
                &broker.amqp_url(),
                dir.join("store"),
            )
            .await?,
        );
        bus_tap::declare(&shop.amqp_url).await?;
        let mut stock = StockBook::default();
        stock.take_baseline(&shop.catalog_db).await?;
        Ok(Self {
            options,
            postgres,
            broker,
            shop,
            tap: Tap::default(),
            stock,
            rows: 0,
            dir,
        })
    }

    /// Runs one row and returns its counts.
    pub async fn row(&mut self, fault: &Fault) -> anyhow::Result<Row> {
        self.rows += 1;
        println!("row {}: {}", self.rows, fault.name());
        if *fault == Fault::ClusterLeaderKill {
            return self.cluster_row(fault).await;
        }
        let shop = self.shop.clone();
        if *fault == Fault::LastUnit {
            // One unit of every bakery product: the books start from it.
            shop.set_stock(Some("bakery"), 1).await?;
            self.stock.take_baseline(&shop.catalog_db).await?;
        }
        let (sent, fault_end, notes, expected) = run_stream(
            &shop,
            &self.options,
            self.rows,
            fault,
            |shop, sent, later| self.inject(fault, shop, sent, later),
        )
        .await?;
        self.tap
            .drain(&shop.amqp_url, Duration::from_secs(60))
            .await?;
        let mut counted = ledger::count(
            &fault.name(),
            &sent.messages(),
            &self.tap,
            &shop.graph.sent(),
            &shop.orders_db,
            &expected,
            fault_end,
        )
        .await?;
        counted.notes.splice(0..0, notes);
        counted.stock = self.stock.check(&shop.catalog_db, &shop.orders_db).await?;
        if *fault == Fault::LastUnit {
            shop.set_stock(Some("bakery"), crate::shop::STOCK).await?;
            self.stock.take_baseline(&shop.catalog_db).await?;
        }
        Ok(counted)
    }

    /// Does `fault` to the store; when it ended (the broken part back),
    /// and what was seen.
    async fn inject(
        &self,
        fault: &Fault,
        shop: Arc<Shop>,
        sent: Sent,
        later: Arc<Mutex<JoinSet<()>>>,
    ) -> anyhow::Result<(Option<Instant>, Vec<String>)> {
        let mut notes = Vec::new();
        let ready = Duration::from_secs(120);
        match fault {
            Fault::Baseline | Fault::Duplicates | Fault::LastUnit | Fault::ClusterLeaderKill => {
                return Ok((None, notes));
            }
            Fault::BrokerRestart => {
                let broker = self.broker.clone();
                tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                    let node = &broker.nodes[0];
                    node.stop()?;
                    std::thread::sleep(DOWN);
                    node.spawn()?;
                    node.await_startup(Duration::from_secs(120))
                })
                .await??;
            }
            Fault::PostgresRestart => {
                let postgres = self.postgres.clone();
                tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                    postgres.stop()?;
                    std::thread::sleep(DOWN);
                    postgres.pg_ctl_start()
                })
                .await??;
            }
            Fault::Kill(_, name) => {
                let mut stack = shop.stack.lock().await;
                stack.kill(name).await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
                stack.restart(name, &[], ready).await?;
            }
            Fault::Term(_, name) => {
                let mut stack = shop.stack.lock().await;
                let asked = Instant::now();
                let status = stack.terminate(name, Duration::from_secs(45)).await?;
                notes.push(match status {
                    Some(s) if s.success() => {
                        format!("exit 0 after {:.1} s", asked.elapsed().as_secs_f64())
                    }
                    Some(s) => format!("NOT CLEAN: {s}"),
                    None => "NOT CLEAN: killed after 45 s".to_owned(),
                });
                stack.restart(name, &[], ready).await?;
            }
            Fault::Llm(failure) => {
                let llm = FakeLlm::start(*failure).await?;
                let seller = BRANDS[0].seller();
                shop.stack
                    .lock()
                    .await
                    .restart(&seller, &llm.seller_env(Duration::from_secs(8)), ready)
                    .await?;
                tokio::time::sleep(self.options.hold).await;
                shop.stack.lock().await.restart(&seller, &[], ready).await?;
            }
            Fault::WhatsApp => {
                shop.graph.set_mode(GraphMode::ServerError);
                tokio::time::sleep(self.options.hold).await;
                shop.graph.set_mode(GraphMode::Throttled);
                tokio::time::sleep(self.options.hold).await;
                shop.graph.set_mode(GraphMode::Ok);
            }
            Fault::Poison => {
                let (end, seen) = self.poison(&shop, sent, later).await?;
                return Ok((Some(end), seen));
            }
        }
        Ok((Some(Instant::now()), notes))
    }

    /// A message the seller cannot store (a trigger refuses its
    /// conversation) is retried, dead-lettered; the trigger is dropped (the
    /// fix) and `storectl dlq replay` puts it back.
    async fn poison(
        &self,
        shop: &Arc<Shop>,
        sent: Sent,
        later: Arc<Mutex<JoinSet<()>>>,
    ) -> anyhow::Result<(Instant, Vec<String>)> {
        let wa_id = format!("59{:02}0000001", self.rows);
        sqlx::raw_sql(&format!(
            "create or replace function fault_poison() returns trigger language plpgsql as $$
             begin
               if new.customer_id = '{wa_id}' then raise exception 'fault suite: poison'; end if;
               return new;
             end $$;
             drop trigger if exists fault_poison on conversation;
             create trigger fault_poison before insert or update on conversation
               for each row execute function fault_poison();"
        ))
        .execute(&shop.seller_db)
        .await
        .context("Failed to install the poison trigger")?;
        let poisoned = Conversation {
            wa_id: wa_id.clone(),
            brand: BRANDS[0],
            script: vec!["hi".to_owned()],
            barrier: None,
            fire_and_forget: true,
        };
        let started = Instant::now();
        stream::converse(shop.clone(), poisoned, Delivery::ONCE, sent, later).await;
        let node = &self.broker.nodes[0];
        let dead = loop {
            let dead = dead_letter_queues(node)?;
            if !dead.is_empty() {
                break dead;
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(150),
                "the poison message was not dead-lettered within 150 s"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        let mut notes = vec![format!(
            "dead-lettered after {:.0} s ({})",
            started.elapsed().as_secs_f64(),
            dead.join(", ")
        )];
        sqlx::raw_sql("drop trigger fault_poison on conversation; drop function fault_poison();")
            .execute(&shop.seller_db)
            .await
            .context("Failed to drop the poison trigger")?;
        let fixed = Instant::now();
        for queue in &dead {
            let output = tokio::process::Command::new(shop.bin_dir.join("storectl"))
                .env("AMQP_URL", &shop.amqp_url)
                .args(["dlq", "replay", queue])
                .output()
                .await
                .context("Failed to run storectl")?;
            anyhow::ensure!(
                output.status.success(),
                "storectl dlq replay {queue} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            notes.push(format!(
                "storectl: {}",
                String::from_utf8_lossy(&output.stdout).trim()
            ));
        }
        Ok((fixed, notes))
    }

    /// The three-node cluster row: a store of its own on the cluster.
    async fn cluster_row(&mut self, fault: &Fault) -> anyhow::Result<Row> {
        let broker = Arc::new(tokio::task::spawn_blocking(|| Broker::start(3)).await??);
        let shop = match Shop::start(
            &self.postgres.url(),
            "faultc",
            &broker.amqp_url(),
            self.dir.join("cluster-store"),
        )
        .await
        {
            Ok(shop) => Arc::new(shop),
            Err(error) => {
                return Ok(Row {
                    fault: fault.name(),
                    stock: "—".to_owned(),
                    notes: vec![format!(
                        "NOT RUN: the store did not start on the cluster: {error:#}"
                    )],
                    ..Row::default()
                });
            }
        };
        bus_tap::declare(&shop.amqp_url).await?;
        let mut stock = StockBook::default();
        stock.take_baseline(&shop.catalog_db).await?;
        let killer = broker.clone();
        let (sent, fault_end, notes, expected) = run_stream(
            &shop,
            &self.options,
            self.rows,
            fault,
            move |_, _, _| async move {
                let leader = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                    let leader = leading_node(&killer)?;
                    killer
                        .node(&leader)
                        .context("the leader is one of ours")?
                        .kill()?;
                    Ok(leader)
                })
                .await??;
                Ok((
                    Some(Instant::now()),
                    vec![format!("killed {leader}, left down")],
                ))
            },
        )
        .await?;
        let mut tap = Tap::default();
        tap.drain(&shop.amqp_url, Duration::from_secs(60)).await?;
        let mut row = ledger::count(
            &fault.name(),
            &sent.messages(),
            &tap,
            &shop.graph.sent(),
            &shop.orders_db,
            &expected,
            fault_end,
        )
        .await?;
        row.notes.splice(0..0, notes);
        row.stock = stock.check(&shop.catalog_db, &shop.orders_db).await?;
        let unclean = shop.stack.lock().await.stop().await;
        if !unclean.is_empty() {
            row.notes.push(format!("stopping: {}", unclean.join("; ")));
        }
        Ok(row)
    }

    /// Stops the store (every service must stop cleanly), then the broker
    /// and the database (by dropping them). The services' logs are removed
    /// unless `FAULT_SUITE_KEEP_LOGS` is set (then their folder is printed).
    pub async fn stop(self) -> Vec<String> {
        let unclean = self.shop.stack.lock().await.stop().await;
        if std::env::var_os("FAULT_SUITE_KEEP_LOGS").is_some() {
            println!("logs kept in {}", self.dir.join("store/logs").display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        unclean
    }
}

/// Runs the stream of a row with `inject` done after the lead-in; returns
/// what was sent, when the fault ended, its notes and what orders to expect.
async fn run_stream<F, Fut>(
    shop: &Arc<Shop>,
    options: &Options,
    row: usize,
    fault: &Fault,
    inject: F,
) -> anyhow::Result<(Sent, Option<Instant>, Vec<String>, OrdersExpected)>
where
    F: FnOnce(Arc<Shop>, Sent, Arc<Mutex<JoinSet<()>>>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<(Option<Instant>, Vec<String>)>>,
{
    let sent = Sent::default();
    let later: Arc<Mutex<JoinSet<()>>> = Arc::default();
    let delivery = if *fault == Fault::Duplicates {
        Delivery {
            copies: 2,
            again_after: Some(options.again_after),
        }
    } else {
        Delivery::ONCE
    };
    let stop = Arc::new(AtomicBool::new(false));
    let mut expected = OrdersExpected::default();
    let mut shoppers = JoinSet::new();
    if *fault == Fault::LastUnit {
        // One unit of every bakery product (set by the row); ten shoppers
        // pick the first found and confirm together.
        let barrier = Arc::new(Barrier::new(10));
        let bakery = BRANDS[2];
        let racing: Vec<String> = (0..10).map(|n| format!("55{row:02}9{n:06}")).collect();
        expected.race = Some((racing.iter().cloned().collect(), 1));
        for wa_id in racing {
            let conversation = Conversation {
                wa_id,
                brand: bakery,
                script: vec![
                    bakery.search.to_owned(),
                    "1 of 1".to_owned(),
                    "yes".to_owned(),
                ],
                barrier: Some(barrier.clone()),
                fire_and_forget: false,
            };
            shoppers.spawn(stream::converse(
                shop.clone(),
                conversation,
                delivery,
                sent.clone(),
                later.clone(),
            ));
        }
    }
    let launcher = {
        let (shop, sent, later, stop, interval) = (
            shop.clone(),
            sent.clone(),
            later.clone(),
            stop.clone(),
            options.interval,
        );
        let brands: Vec<Brand> = if *fault == Fault::LastUnit {
            // The race is the bakery's; the others keep shopping.
            BRANDS[..2].to_vec()
        } else {
            BRANDS.to_vec()
        };
        tokio::spawn(async move {
            let mut running = JoinSet::new();
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let brand = brands[n % brands.len()];
                let conversation = Conversation::shopping(format!("55{row:02}{n:07}"), brand);
                running.spawn(stream::converse(
                    shop.clone(),
                    conversation,
                    delivery,
                    sent.clone(),
                    later.clone(),
                ));
                n += 1;
                tokio::time::sleep(interval).await;
            }
            running.join_all().await;
        })
    };
    tokio::time::sleep(options.lead_in).await;
    let injected = inject(shop.clone(), sent.clone(), later.clone()).await;
    tokio::time::sleep(options.tail).await;
    stop.store(true, Ordering::SeqCst);
    let (fault_end, notes) = match injected {
        Ok(done) => done,
        Err(error) => (None, vec![format!("FAULT FAILED: {error:#}")]),
    };
    launcher.await.context("the stream's launcher panicked")?;
    shoppers.join_all().await;
    let pending = std::mem::take(&mut *later.lock().expect("lock"));
    pending.join_all().await;
    settle(shop, &sent).await;
    Ok((sent, fault_end, notes, expected))
}

/// Waits until every accepted message is answered, or a while.
async fn settle(shop: &Shop, sent: &Sent) {
    let deadline = Instant::now() + stream::ANSWER_TIMEOUT;
    while Instant::now() < deadline {
        let open = sent
            .messages()
            .iter()
            .filter(|m| m.accepted_at.is_some() && shop.graph.answered_at(&m.wamid).is_none())
            .count();
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Whatever is still on its way (a doubled send) has a moment to land.
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// Dead-letter queues holding messages on `node`.
fn dead_letter_queues(node: &crate::rabbit::Node) -> anyhow::Result<Vec<String>> {
    let listing = node.ctl_output(&["list_queues", "name", "messages"])?;
    Ok(listing
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (name, count) = (words.next()?, words.next()?.parse::<u64>().ok()?);
            (name.ends_with(".dlq") && count > 0).then(|| name.to_owned())
        })
        .collect())
}

/// The node leading the most quorum queues.
fn leading_node(broker: &Broker) -> anyhow::Result<String> {
    let listing = broker.nodes[0].ctl_output(&["list_queues", "name", "leader"])?;
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for line in listing.lines() {
        if let Some(leader) = line.split_whitespace().nth(1)
            && broker.node(leader).is_some()
        {
            *counts.entry(leader.to_owned()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(node, _)| node)
        .context("no queue has a leader on the cluster")
}
