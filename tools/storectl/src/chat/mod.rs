//! `storectl chat`: a terminal shopper over the web chat protocol.
//!
//! Opens (or resumes) a session, follows its event stream in a task and
//! prints the seller's replies as they arrive, and sends what the shopper
//! types; a number picks the last offered option. With piped input it
//! sends one line at a time and waits for the seller's answer to each
//! (`--reply-timeout`), which is how end-to-end tests drive the store.

pub mod client;
pub mod render;
pub mod sessions;

use std::{
    io::{BufRead, IsTerminal},
    time::Duration,
};

use tokio::{sync::mpsc, time::Instant};

use self::{
    client::{Entry, Outgoing, Session, StreamEvent, WebChat},
    render::{Choice, render_entry},
    sessions::SessionStore,
};
use crate::{UsageError, cli::ChatArgs};

/// After the last answer in piped mode, how long to keep printing parts
/// of the reply that are still arriving.
const TRAILING_GRACE: Duration = Duration::from_millis(300);

/// Runs the chat until `/quit`, end of input or Ctrl-C.
pub async fn run(gateway: &str, args: ChatArgs) -> anyhow::Result<()> {
    let chat = WebChat::new(gateway, &args.tenant);
    let interactive = std::io::stdin().is_terminal();
    let mut lines = read_stdin();
    let brand = match &args.brand {
        Some(brand) => brand.clone(),
        None => choose_brand(&chat, &args.tenant, interactive, &mut lines).await?,
    };

    let store = SessionStore::locate()?;
    let key = SessionStore::key(gateway, &args.tenant, &brand);
    let mut conversation = Conversation::default();
    let saved = if args.new { None } else { store.get(&key)? };
    let mut resumed = None;
    if let Some(session) = saved
        && let Some(history) = chat.transcript(&session).await?
    {
        resumed = Some((session, history));
    }
    let session = match resumed {
        Some((session, history)) => {
            outln!(
                "(resuming session {} with {brand}; --new starts afresh)",
                session.session_id
            );
            for entry in history {
                conversation.show(&entry);
            }
            session
        }
        None => {
            let session = chat.create_session(&brand, args.name.as_deref()).await?;
            store.put(&key, &session)?;
            outln!(
                "(new session {} with {brand}, conversation {})",
                session.session_id,
                session.conversation_id
            );
            session
        }
    };
    if interactive {
        outln!("(type a message, a number to pick an option, /quit to leave)");
    }

    let (tx, mut events) = mpsc::channel(64);
    let follower = {
        let chat = chat.clone();
        let session = session.clone();
        let after = conversation.last_seq;
        tokio::spawn(async move { chat.follow(session, after, tx).await })
    };
    let chatting = async {
        if interactive {
            interactive_loop(&chat, &session, &mut conversation, &mut lines, &mut events).await
        } else {
            let timeout = Duration::from_secs(args.reply_timeout);
            piped_loop(
                &chat,
                &session,
                &mut conversation,
                &mut lines,
                &mut events,
                timeout,
            )
            .await
        }
    };
    // Ctrl-C ends the chat cleanly wherever it is (a message being sent is
    // either accepted or not; `client_message_id` makes a resend harmless).
    let outcome = tokio::select! {
        outcome = chatting => outcome,
        _ = tokio::signal::ctrl_c() => {
            outln!();
            Ok(())
        }
    };
    follower.abort();
    outcome
}

/// What has been shown so far.
#[derive(Debug, Default)]
struct Conversation {
    /// Highest `seq` shown.
    last_seq: u64,
    /// Highest `seq` of an entry not from the shopper.
    last_answer_seq: u64,
    /// Options of the seller's latest entry.
    choices: Vec<Choice>,
}

impl Conversation {
    /// Prints `entry` (once) and remembers its options.
    fn show(&mut self, entry: &Entry) {
        self.record(entry);
        let (text, choices) = render_entry(entry);
        out!("{text}");
        if !entry.is_shopper() {
            self.choices = choices;
        }
    }

    /// Notes `entry` as seen without printing it.
    fn record(&mut self, entry: &Entry) {
        self.last_seq = self.last_seq.max(entry.seq);
        if !entry.is_shopper() {
            self.last_answer_seq = self.last_answer_seq.max(entry.seq);
        }
    }

    /// What a typed line means: a number picks an offered option.
    fn outgoing(&self, line: &str) -> Outgoing {
        line.parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.choices.get(i))
            .map(|choice| Outgoing::Reply {
                id: choice.id.clone(),
                title: choice.title.clone(),
            })
            .unwrap_or_else(|| Outgoing::Text(line.to_owned()))
    }
}

/// Lines of stdin, read on a thread of their own: a blocked read must not
/// keep the process alive after `/quit` or Ctrl-C. `None` at end of input.
fn read_stdin() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

async fn choose_brand(
    chat: &WebChat,
    tenant: &str,
    interactive: bool,
    lines: &mut mpsc::UnboundedReceiver<String>,
) -> anyhow::Result<String> {
    let brands = chat.brands().await?;
    match brands.as_slice() {
        [] => anyhow::bail!("tenant {tenant:?} offers no brand in its web chat"),
        [only] => return Ok(only.id.clone()),
        _ => {}
    }
    let listing: String = brands
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut line = format!("  {}) {}", i + 1, b.id);
            if let Some(name) = &b.name {
                line.push_str(&format!(" — {name}"));
            }
            if let Some(description) = &b.description {
                line.push_str(&format!(": {description}"));
            }
            line + "\n"
        })
        .collect();
    if !interactive {
        return Err(UsageError(format!(
            "tenant {tenant:?} has several brands; pass --brand with one of:\n{}",
            listing.trim_end()
        ))
        .into());
    }
    outln!("Brands of {tenant}:\n{}", listing.trim_end());
    loop {
        outln!("Which brand? (number or id)");
        let Some(answer) = lines.recv().await else {
            anyhow::bail!("no brand chosen");
        };
        let answer = answer.trim();
        let chosen = answer
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| brands.get(i))
            .or_else(|| brands.iter().find(|b| b.id == answer));
        if let Some(brand) = chosen {
            return Ok(brand.id.clone());
        }
    }
}

fn client_message_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn interactive_loop(
    chat: &WebChat,
    session: &Session,
    conversation: &mut Conversation,
    lines: &mut mpsc::UnboundedReceiver<String>,
    events: &mut mpsc::Receiver<StreamEvent>,
) -> anyhow::Result<()> {
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else { return Ok(()) };
                let line = line.trim();
                if line == "/quit" {
                    return Ok(());
                }
                if line.is_empty() {
                    continue;
                }
                let outgoing = conversation.outgoing(line);
                if let Outgoing::Reply { title, .. } = &outgoing {
                    outln!("(picked: {title})");
                }
                if let Err(error) = chat.send(session, &outgoing, &client_message_id()).await {
                    // The chat goes on; the shopper may try again.
                    errln!("storectl: {error:#}");
                }
            }
            event = events.recv() => match event {
                // The shopper's own lines are already on the screen.
                Some(StreamEvent::Entry(entry)) if entry.is_shopper() => conversation.record(&entry),
                Some(StreamEvent::Entry(entry)) => conversation.show(&entry),
                Some(StreamEvent::Fatal(reason)) => anyhow::bail!(reason),
                None => anyhow::bail!("the event stream ended"),
            },
        }
    }
}

async fn piped_loop(
    chat: &WebChat,
    session: &Session,
    conversation: &mut Conversation,
    lines: &mut mpsc::UnboundedReceiver<String>,
    events: &mut mpsc::Receiver<StreamEvent>,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut sent_any = false;
    while let Some(line) = lines.recv().await {
        let line = line.trim();
        if line == "/quit" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        // Entries that arrived meanwhile come first, so a number picks
        // from the latest options.
        while let Ok(event) = events.try_recv() {
            on_event(conversation, event)?;
        }
        let outgoing = conversation.outgoing(line);
        let accepted = chat.send(session, &outgoing, &client_message_id()).await?;
        sent_any = true;
        let deadline = Instant::now() + timeout;
        while conversation.last_answer_seq <= accepted.seq {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(event)) => on_event(conversation, event)?,
                Ok(None) => anyhow::bail!("the event stream ended"),
                Err(_) => anyhow::bail!(
                    "no answer to {line:?} within {} s (--reply-timeout)",
                    timeout.as_secs()
                ),
            }
        }
    }
    if sent_any {
        // The rest of a reply sent as several entries.
        let grace = Instant::now() + TRAILING_GRACE;
        while let Ok(Some(event)) = tokio::time::timeout_at(grace, events.recv()).await {
            on_event(conversation, event)?;
        }
    }
    Ok(())
}

fn on_event(conversation: &mut Conversation, event: StreamEvent) -> anyhow::Result<()> {
    match event {
        StreamEvent::Entry(entry) => {
            conversation.show(&entry);
            Ok(())
        }
        StreamEvent::Fatal(reason) => anyhow::bail!(reason),
    }
}
