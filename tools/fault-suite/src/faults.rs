//! The faults, one row each, and how each is done to the running store.

use std::time::Duration;

use crate::llm::LlmFailure;

/// The services a fault can stop: the name of each in the stack.
pub const SERVICES: [(&str, &str); 5] = [
    ("gateway", "gateway"),
    ("seller", "seller-demo-fashion"),
    ("catalog", "catalog"),
    ("order-processor", "order-processor"),
    ("sales-assistant", "sales-assistant"),
];

/// One fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No fault: the stream alone.
    Baseline,
    /// The RabbitMQ node stopped, down a few seconds, started again.
    BrokerRestart,
    /// PostgreSQL stopped at once, down a few seconds, started again.
    PostgresRestart,
    /// A service SIGKILLed and started again (short name, stack name).
    Kill(&'static str, &'static str),
    /// A service sent SIGTERM (it drains and exits 0), started again.
    Term(&'static str, &'static str),
    /// A seller's LLM endpoint failing, for a while.
    Llm(LlmFailure),
    /// The WhatsApp API answering 500, then 429 with `Retry-After`.
    WhatsApp,
    /// A message the seller fails on every time: dead-lettered, then
    /// replayed with `storectl dlq replay` once the cause is fixed.
    Poison,
    /// Every webhook delivered 2–5 times at once, and once more later.
    Duplicates,
    /// Ten shoppers confirming the last unit at once.
    LastUnit,
    /// A three-node cluster; the node leading the most queues killed.
    ClusterLeaderKill,
}

impl Fault {
    /// Every fault, in the order the suite runs them.
    pub fn all() -> Vec<Fault> {
        let mut all = vec![
            Fault::Baseline,
            Fault::BrokerRestart,
            Fault::PostgresRestart,
        ];
        all.extend(SERVICES.iter().map(|(s, n)| Fault::Kill(s, n)));
        all.extend(SERVICES.iter().map(|(s, n)| Fault::Term(s, n)));
        all.extend([
            Fault::Llm(LlmFailure::Refusing),
            Fault::Llm(LlmFailure::Failing),
            Fault::Llm(LlmFailure::Hanging),
            Fault::WhatsApp,
            Fault::Poison,
            Fault::Duplicates,
            Fault::LastUnit,
            Fault::ClusterLeaderKill,
        ]);
        all
    }

    /// Its name in the table and for `--only`.
    pub fn name(&self) -> String {
        match self {
            Fault::Baseline => "baseline".to_owned(),
            Fault::BrokerRestart => "broker-restart".to_owned(),
            Fault::PostgresRestart => "postgres-restart".to_owned(),
            Fault::Kill(service, _) => format!("kill-{service}"),
            Fault::Term(service, _) => format!("term-{service}"),
            Fault::Llm(LlmFailure::Refusing) => "llm-refusing".to_owned(),
            Fault::Llm(LlmFailure::Failing) => "llm-failing".to_owned(),
            Fault::Llm(LlmFailure::Hanging) => "llm-hanging".to_owned(),
            Fault::WhatsApp => "whatsapp-500-then-429".to_owned(),
            Fault::Poison => "poison-message".to_owned(),
            Fault::Duplicates => "duplicate-webhooks".to_owned(),
            Fault::LastUnit => "last-unit-race".to_owned(),
            Fault::ClusterLeaderKill => "cluster-leader-killed".to_owned(),
        }
    }

    /// What the row does, for the document.
    pub fn describe(&self) -> String {
        match self {
            Fault::Baseline => "no fault".to_owned(),
            Fault::BrokerRestart => "the RabbitMQ node stopped (`rabbitmqctl stop`), down 3 s, started again".to_owned(),
            Fault::PostgresRestart => "PostgreSQL stopped (`pg_ctl -m immediate`), down 3 s, started again".to_owned(),
            Fault::Kill(service, _) => format!("{service} SIGKILLed, started again 1 s later"),
            Fault::Term(service, _) => format!("{service} sent SIGTERM (must drain and exit 0), started again"),
            Fault::Llm(failure) => format!(
                "the fashion seller restarted on an LLM endpoint that is {}, then back on the offline brain",
                match failure {
                    LlmFailure::Refusing => "refusing connections",
                    LlmFailure::Failing => "answering 500",
                    LlmFailure::Hanging => "hanging",
                }
            ),
            Fault::WhatsApp => "the Graph API answering 500, then 429 with Retry-After: 1".to_owned(),
            Fault::Poison => "a shopper message the seller fails on (a database trigger refuses it): dead-lettered; trigger dropped; `storectl dlq replay`".to_owned(),
            Fault::Duplicates => "every webhook delivered 2–5 times at once, and once more later".to_owned(),
            Fault::LastUnit => "ten bakery shoppers confirming at once with one unit of each product left".to_owned(),
            Fault::ClusterLeaderKill => "three RabbitMQ nodes, services given all three; the node leading the most queues SIGKILLed".to_owned(),
        }
    }
}

/// How long a fault keeps something down.
pub const DOWN: Duration = Duration::from_secs(3);
