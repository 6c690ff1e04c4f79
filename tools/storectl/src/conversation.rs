//! `storectl conversation show`: the seller agent's memory of a
//! conversation, read through the seller-agent crate
//! ([`seller_agent::db::transcript`]): messages in order with their role,
//! tool calls and results, who answers (AI or a human after a handoff) and
//! the rolling summary.

use std::{fmt::Write as _, time::Duration};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use seller_agent::db::transcript::{Transcript, TranscriptMessage, load_transcripts};
use sqlx::{
    Connection,
    postgres::{PgConnectOptions, PgConnection, PgPoolOptions},
};

use crate::UsageError;

/// Longest tool result shown without `--full`.
const TOOL_RESULT_CHARS: usize = 300;

/// Every brand's conversation `conversation` of `tenant` (only `brand`'s
/// when given). Not finding any is an error.
pub async fn load(
    database_url: &SecretString,
    tenant: &str,
    brand: Option<&str>,
    conversation: &str,
) -> anyhow::Result<Vec<Transcript>> {
    let options: PgConnectOptions = database_url.expose_secret().parse().map_err(|_| {
        UsageError("--database-url / SELLER_DATABASE_URL is not a PostgreSQL URL".to_owned())
    })?;
    // One plain connection first: a pool retries a refused connection until
    // its timeout, a CLI should say at once that nothing answers.
    let probe = PgConnection::connect_with(&options)
        .await
        .map_err(|e| match e {
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) => anyhow::anyhow!(
                "the seller's database at --database-url / SELLER_DATABASE_URL is not answering — is the store running? Start it with `scripts/run.sh`"
            ),
            // The database's own message (no URL in it), e.g. an unknown database.
            other => anyhow::Error::new(other)
                .context("Failed to connect to the seller's database (SELLER_DATABASE_URL)"),
        })?;
    let _ = probe.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("Failed to connect to the seller's database (SELLER_DATABASE_URL)")?;
    let transcripts = load_transcripts(&pool, tenant, brand, conversation)
        .await
        .context("Failed to read the conversation")?;
    pool.close().await;
    if transcripts.is_empty() {
        anyhow::bail!(
            "no conversation {conversation:?} in tenant {tenant:?}{} — the seller has not seen it (or it is another tenant's)",
            brand.map(|b| format!(", brand {b:?}")).unwrap_or_default()
        );
    }
    Ok(transcripts)
}

/// The transcripts as text.
pub fn render(transcripts: &[Transcript], full: bool) -> String {
    let mut out = String::new();
    for t in transcripts {
        let _ = writeln!(
            out,
            "Conversation {}  tenant {}  brand {}",
            t.conversation_id, t.tenant, t.brand
        );
        let _ = writeln!(out, "  customer  {} on {}", t.customer_id, t.channel);
        let _ = writeln!(
            out,
            "  handler   {}",
            if t.handler == "human" {
                "human (handed off: the AI seller stays silent)"
            } else {
                "AI seller"
            }
        );
        let _ = writeln!(
            out,
            "  started   {}  last change {}",
            t.created_at.to_rfc3339(),
            t.updated_at.to_rfc3339()
        );
        match &t.summary {
            Some(summary) => {
                let _ = writeln!(
                    out,
                    "  summary (messages up to #{}): {summary}",
                    t.summarized_until
                );
            }
            None => {
                let _ = writeln!(out, "  summary   none");
            }
        }
        let _ = writeln!(out, "  {} message(s):", t.messages.len());
        for message in &t.messages {
            render_message(&mut out, message, full);
        }
        out.push('\n');
    }
    out
}

fn render_message(out: &mut String, m: &TranscriptMessage, full: bool) {
    let time = m.created_at.format("%Y-%m-%d %H:%M:%S");
    let mut flags = String::new();
    if m.for_human {
        flags.push_str(" [for the human seller]");
    }
    if m.is_error {
        flags.push_str(" [error]");
    }
    let content = match m.role.as_str() {
        "tool" if !full => cut(&m.content, TOOL_RESULT_CHARS),
        _ => m.content.clone(),
    };
    let role = match (m.role.as_str(), &m.tool_call_id) {
        ("tool", Some(call)) => format!("tool result ({call})"),
        (role, _) => role.to_owned(),
    };
    if !content.is_empty() || m.tool_calls.is_none() {
        let _ = writeln!(out, "  #{:<5} {time}  {role}{flags}: {content}", m.id);
    } else {
        let _ = writeln!(out, "  #{:<5} {time}  {role}{flags}:", m.id);
    }
    let calls = m
        .tool_calls
        .as_ref()
        .and_then(|c| c.as_array())
        .cloned()
        .unwrap_or_default();
    for call in calls {
        let name = call.get("name").and_then(|v| v.as_str()).unwrap_or("?");
        let id = call.get("id").and_then(|v| v.as_str()).unwrap_or("?");
        let arguments = call.get("arguments").and_then(|v| v.as_str()).unwrap_or("");
        let _ = writeln!(out, "          → calls {name}({arguments})  [{id}]");
    }
}

fn cut(text: &str, chars: usize) -> String {
    if text.chars().count() > chars {
        format!(
            "{}… ({} chars, --full shows all)",
            text.chars().take(chars).collect::<String>(),
            text.chars().count()
        )
    } else {
        text.to_owned()
    }
}
