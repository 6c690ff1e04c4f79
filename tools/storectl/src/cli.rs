//! The command line: global endpoints (flags with environment fallbacks) and
//! one subcommand per job. Values that hold secrets hide their environment
//! value from `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The operator's and developer's command line for agent-store.
#[derive(Debug, Parser)]
#[command(name = "storectl", version, about, propagate_version = true)]
pub struct Cli {
    /// Where the services are.
    #[command(flatten)]
    pub endpoints: Endpoints,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Addresses of the store's services.
#[derive(Debug, Clone, Args)]
pub struct Endpoints {
    /// The gateway (web chat and webhooks).
    #[arg(
        long,
        global = true,
        env = "STORE_GATEWAY_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub gateway: String,
    /// The order processor's HTTP API.
    #[arg(
        long,
        global = true,
        env = "STORE_ORDERS_URL",
        default_value = "http://127.0.0.1:8082"
    )]
    pub orders: String,
    /// The sales assistant's HTTP API (the human sellers' inbox).
    #[arg(
        long,
        global = true,
        env = "STORE_SALES_URL",
        default_value = "http://127.0.0.1:8083"
    )]
    pub sales: String,
    /// RabbitMQ (holds credentials: never printed).
    #[arg(
        long,
        global = true,
        env = "AMQP_URL",
        hide_env_values = true,
        hide_default_value = true,
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    pub amqp: String,
    /// RabbitMQ's management API (holds credentials: never printed).
    #[arg(
        long,
        global = true,
        env = "RABBITMQ_MANAGEMENT_URL",
        hide_env_values = true,
        hide_default_value = true,
        default_value = "http://guest:guest@127.0.0.1:15672"
    )]
    pub management: String,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Chat with a brand's seller as a shopper, over the web chat.
    Chat(ChatArgs),
    /// Send a channel's webhook payload to the gateway, signed.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Inspect and replay dead-letter queues.
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// Show a tenant's orders.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Show the seller's memory of a conversation.
    #[command(subcommand)]
    Conversation(ConversationCommand),
    /// The human sellers' inbox: conversations handed to a person.
    #[command(subcommand)]
    Handoff(HandoffCommand),
    /// The human sellers' web inbox: accounts.
    #[command(subcommand)]
    Inbox(InboxCommand),
}

/// `storectl inbox …`.
#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Make a tenant's first owner (through the sales assistant's operator
    /// endpoint): with a password they can sign in at once, without one an
    /// invitation link is printed for them.
    Owner {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// The owner's sign-in address.
        #[arg(long)]
        email: String,
        /// The owner's name.
        #[arg(long)]
        name: String,
        /// A file whose first line is the password (10 to 128
        /// characters); without it, an invitation link is made.
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// The sales assistant's operator endpoint (its OPERATOR_HOST and
        /// OPERATOR_PORT).
        #[arg(
            long,
            env = "STORE_INBOX_OPERATOR",
            default_value = "http://127.0.0.1:9090"
        )]
        operator: String,
        /// The sales assistant's operator token (else STORE_ADMIN_TOKEN or
        /// ADMIN_TOKEN).
        #[arg(long, hide_env_values = true)]
        admin_token: Option<String>,
    },
}

/// The sales assistant's API key of a tenant.
#[derive(Debug, Clone, Args)]
pub struct InboxAuth {
    /// Tenant id (the API key decides which tenant is read).
    #[arg(long, default_value = "demo")]
    pub tenant: String,
    /// The tenant's sales-assistant API key.
    #[arg(long, env = "STORE_SALES_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Print the API's JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
}

/// `storectl handoff …`.
#[derive(Debug, Subcommand)]
pub enum HandoffCommand {
    /// Handoffs waiting for a person (or resolved ones).
    List {
        /// Resolved handoffs instead of open ones.
        #[arg(long)]
        resolved: bool,
        /// Only this brand's.
        #[arg(long)]
        brand: Option<String>,
        /// Tenant and API key.
        #[command(flatten)]
        auth: InboxAuth,
    },
    /// One handoff and its transcript.
    Show {
        /// Handoff id.
        id: String,
        /// Tenant and API key.
        #[command(flatten)]
        auth: InboxAuth,
    },
    /// Answer the shopper as a human seller.
    Reply {
        /// Handoff id.
        id: String,
        /// What to say.
        text: String,
        /// Your name, as the shop knows you.
        #[arg(long)]
        agent: String,
        /// Tenant and API key.
        #[command(flatten)]
        auth: InboxAuth,
    },
    /// Hand the conversation back to the AI seller.
    Resolve {
        /// Handoff id.
        id: String,
        /// Your name, as the shop knows you.
        #[arg(long)]
        agent: String,
        /// Close the conversation instead of handing it back.
        #[arg(long)]
        close: bool,
        /// A note for the record.
        #[arg(long)]
        note: Option<String>,
        /// Tenant and API key.
        #[command(flatten)]
        auth: InboxAuth,
    },
}

impl HandoffCommand {
    /// What to do, and with which key.
    pub fn into_action(self) -> (crate::handoff::Action, InboxAuth) {
        use crate::handoff::Action;
        match self {
            Self::List {
                resolved,
                brand,
                auth,
            } => (
                Action::List {
                    status: if resolved { "resolved" } else { "open" }.to_owned(),
                    brand,
                },
                auth,
            ),
            Self::Show { id, auth } => (Action::Show(id), auth),
            Self::Reply {
                id,
                text,
                agent,
                auth,
            } => (Action::Reply { id, agent, text }, auth),
            Self::Resolve {
                id,
                agent,
                close,
                note,
                auth,
            } => (
                Action::Resolve {
                    id,
                    agent,
                    close,
                    note,
                },
                auth,
            ),
        }
    }
}

/// `storectl chat`.
#[derive(Debug, Clone, Args)]
pub struct ChatArgs {
    /// Tenant id.
    #[arg(long)]
    pub tenant: String,
    /// Brand id; without it, the tenant's brands are listed to pick from.
    #[arg(long)]
    pub brand: Option<String>,
    /// The shopper's name.
    #[arg(long)]
    pub name: Option<String>,
    /// Start a new session instead of resuming the saved one.
    #[arg(long)]
    pub new: bool,
    /// With piped input: seconds to wait for the seller's answer to each line.
    #[arg(long, default_value_t = 30)]
    pub reply_timeout: u64,
}

/// `storectl webhook …`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// POST a WhatsApp Cloud API webhook body, signed with the app secret.
    Whatsapp {
        /// The JSON body, sent byte for byte.
        file: PathBuf,
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// The Meta app secret that signs the body.
        #[arg(long, env = "WHATSAPP_APP_SECRET", hide_env_values = true)]
        app_secret: String,
    },
    /// POST a Telegram Bot API update with the bot's secret token.
    Telegram {
        /// The JSON body, sent byte for byte.
        file: PathBuf,
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// The bot's webhook secret token.
        #[arg(long, env = "TELEGRAM_SECRET_TOKEN", hide_env_values = true)]
        secret_token: String,
    },
}

/// `storectl dlq …`.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Dead-letter queues (`*.dlq`) and how many messages each holds.
    List {
        /// Only queues whose name starts with this.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Republish a consumer's dead letters to where they came from.
    Replay {
        /// The consumer's queue, or its `.dlq`.
        queue: String,
        /// Most messages to move.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// The bus's topic exchange.
        #[arg(long, env = "BUS_EXCHANGE", default_value = store_bus::config::DEFAULT_EXCHANGE)]
        exchange: String,
    },
}

/// The order processor's API key of a tenant.
#[derive(Debug, Clone, Args)]
pub struct OrderAuth {
    /// Tenant id (the API key decides which tenant is read).
    #[arg(long, default_value = "demo")]
    pub tenant: String,
    /// The tenant's order API key.
    #[arg(long, env = "STORE_ORDERS_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Print the API's JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
}

/// `storectl order …`.
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// One order, by id (a UUID) or number (e.g. `SH-1001`).
    Show {
        /// Order id or number.
        order: String,
        /// Tenant and API key.
        #[command(flatten)]
        auth: OrderAuth,
    },
    /// A shopper's orders.
    List {
        /// The shopper's customer id.
        #[arg(long)]
        customer: String,
        /// Tenant and API key.
        #[command(flatten)]
        auth: OrderAuth,
    },
}

/// `storectl conversation …`.
#[derive(Debug, Subcommand)]
pub enum ConversationCommand {
    /// Messages, tool calls, handoff state and summary of a conversation.
    Show {
        /// Conversation id (e.g. `webchat:fashion:<session>`).
        conversation: String,
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Only this brand's conversation under that id.
        #[arg(long)]
        brand: Option<String>,
        /// The seller agent's database.
        #[arg(long, env = "SELLER_DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// Print tool results whole instead of cut at 300 characters.
        #[arg(long)]
        full: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
