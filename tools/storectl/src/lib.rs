//! `storectl`, the operator's and developer's command line for agent-store.
//!
//! - [`chat`]: a terminal shopper over the web chat protocol.
//! - [`webhook`]: signed WhatsApp and Telegram webhook deliveries.
//! - [`dlq`]: dead-letter queues: list and replay.
//! - [`order`]: orders from the order processor's API.
//! - [`conversation`]: the seller agent's memory of a conversation.
//! - [`handoff`]: the human sellers' inbox: handoffs, answering, handing back.
//! - [`inbox`]: the human sellers' web inbox: a tenant's first owner.
//!
//! Exit codes: 0 done, 1 failed, 2 usage (clap's own, and [`UsageError`]).

/// `print!` that ends the program quietly when stdout is gone (`storectl
/// dlq list | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_stdout(&format!($($arg)*))
    };
}

/// `outln!` that ends the program quietly when stdout is gone.
macro_rules! outln {
    () => {
        $crate::write_stdout("\n")
    };
    ($($arg:tt)*) => {
        $crate::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` through [`write_stderr`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::write_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub mod chat;
pub mod cli;
pub mod conversation;
pub mod dlq;
pub mod handoff;
pub mod http_error;
pub mod inbox;
pub mod keyed;
pub mod order;
pub mod sse;
pub mod terminal;
pub mod webhook;

use std::process::ExitCode;

pub use cli::Cli;
use cli::{Command, ConversationCommand, DlqCommand, InboxCommand, OrderCommand, WebhookCommand};

/// Writes `text` to stdout, its control characters escaped
/// ([`terminal::escape`]: text from outside is shown, never obeyed by the
/// terminal); exits with 0 when the reader has gone away (a closed pipe),
/// since nobody is left to read the rest.
pub fn write_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(terminal::escape(text).as_bytes())
        .and_then(|()| stdout.flush())
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Writes `text` to stderr, its control characters escaped
/// ([`terminal::escape`]): an error may quote what a service answered.
pub fn write_stderr(text: &str) {
    use std::io::Write;
    // Nothing more to do when stderr is gone.
    let _ = std::io::stderr().write_all(terminal::escape(text).as_bytes());
}

/// The command was used wrongly (exit code 2), e.g. a missing API key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Exit code of a usage error.
pub const EXIT_USAGE: u8 = 2;

/// Runs one command line; prints what went wrong and returns the exit code.
pub async fn run(cli: Cli) -> ExitCode {
    match dispatch(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            errln!("storectl: {error:#}");
            if error.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let endpoints = cli.endpoints;
    match cli.command {
        Command::Chat(args) => chat::run(&endpoints.gateway, args).await,
        Command::Webhook(command) => {
            let (channel, file, tenant, secret) = match command {
                WebhookCommand::Whatsapp {
                    file,
                    tenant,
                    app_secret,
                } => (webhook::Channel::Whatsapp, file, tenant, app_secret),
                WebhookCommand::Telegram {
                    file,
                    tenant,
                    secret_token,
                } => (webhook::Channel::Telegram, file, tenant, secret_token),
            };
            let secret = secrecy::SecretString::from(secret);
            let outcome =
                webhook::send_file(&endpoints.gateway, channel, &tenant, &file, &secret).await?;
            outcome.print();
            outcome.into_result()
        }
        Command::Dlq(DlqCommand::List { prefix }) => {
            let queues = dlq::list(&endpoints.management, prefix.as_deref()).await?;
            dlq::print_list(&queues);
            Ok(())
        }
        Command::Dlq(DlqCommand::Replay {
            queue,
            limit,
            exchange,
        }) => {
            let moved = dlq::replay(&endpoints.amqp, &exchange, &queue, limit).await?;
            outln!(
                "replayed {moved} message{} from {}",
                if moved == 1 { "" } else { "s" },
                store_bus::topology::dead_letter_queue(dlq::consumer_queue(&queue))
            );
            Ok(())
        }
        Command::Order(command) => {
            let (query, auth) = match command {
                OrderCommand::Show { order, auth } => (order::Query::One(order), auth),
                OrderCommand::List { customer, auth } => (order::Query::Customer(customer), auth),
            };
            let client = order::OrdersClient::new(&endpoints.orders, &auth.tenant, auth.api_key)?;
            let found = client.fetch(&query).await?;
            if auth.json {
                outln!("{}", serde_json::to_string_pretty(&found)?);
            } else {
                out!("{}", order::summarize(&query, &found));
            }
            Ok(())
        }
        Command::Handoff(command) => {
            let (action, auth) = command.into_action();
            let client = handoff::InboxClient::new(&endpoints.sales, &auth.tenant, auth.api_key)?;
            let answer = client.run(&action).await?;
            if auth.json {
                outln!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                out!("{}", handoff::render(&action, &answer));
            }
            Ok(())
        }
        Command::Inbox(InboxCommand::Owner {
            tenant,
            email,
            name,
            password_file,
            operator,
            admin_token,
        }) => {
            let token = inbox::operator_token(admin_token)?;
            let password = password_file
                .as_deref()
                .map(inbox::password_from_file)
                .transpose()?;
            let owner = inbox::NewOwner {
                tenant,
                email,
                name,
                password,
            };
            let created = inbox::create_owner(&operator, &token, &owner).await?;
            out!("{}", inbox::render(&created));
            Ok(())
        }
        Command::Conversation(ConversationCommand::Show {
            conversation,
            tenant,
            brand,
            database_url,
            full,
            json,
        }) => {
            let database_url = secrecy::SecretString::from(database_url);
            let transcripts =
                conversation::load(&database_url, &tenant, brand.as_deref(), &conversation).await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&transcripts)?);
            } else {
                out!("{}", conversation::render(&transcripts, full));
            }
            Ok(())
        }
    }
}
