//! `GET /inbox`: the queue of conversations waiting for a person (by
//! brand, with how long they have waited, why the AI escalated and its
//! summary) and the watch list of every recent conversation of the
//! seller's brands, each saying who handles it and its last message.
//! Filters: waiting / mine / resolved / all, and brand. The page's script
//! fetches it again on every live change (see `assets/inbox.js`).

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    response::Response,
    routing::get,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Layout, Nav, PageError, TakeFlash, actions::conversation_path, render};
use crate::{
    db::conversations::{self, ConversationSummary, ListFilter, View},
    http::{AppState, pages::session::SignedIn},
};

/// How many rows each list shows at most.
const LIST_LIMIT: i64 = 200;

/// The inbox list's route.
pub fn router() -> Router<AppState> {
    Router::new().route("/inbox", get(inbox))
}

/// The filters in the query string.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    /// `waiting` (default), `mine`, `resolved` or `all`.
    #[serde(default)]
    pub view: Option<String>,
    /// One brand, or every brand the seller works.
    #[serde(default)]
    pub brand: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    tabs: Vec<Tab>,
    view: &'static str,
    brand: Option<String>,
    brands: Vec<String>,
    queue_title: &'static str,
    queue_empty: &'static str,
    queue: Vec<Row>,
    watching: Vec<Row>,
}

struct Tab {
    label: &'static str,
    href: String,
    current: bool,
}

/// One conversation in a list, as the page shows it.
struct Row {
    conversation: String,
    href: String,
    customer: String,
    brand: String,
    channel: String,
    priority: String,
    unread: i32,
    waiting: String,
    reason: String,
    summary: String,
    handler_class: &'static str,
    handler_label: String,
    deferred_note: Option<String>,
    last_at: String,
    last_sender: String,
    last_text: String,
}

async fn inbox(
    State(state): State<AppState>,
    seller: SignedIn,
    flash: TakeFlash,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let view = parse_view(filters.view.as_deref());
    let brand = filters
        .brand
        .filter(|b| !b.is_empty() && seller.may_work(b));
    let may_work = (!seller.is_owner()).then_some(seller.brands.as_slice());
    let pool = &state.inbox.pool;
    let now = Utc::now();

    let queue = conversations::list(
        pool,
        &seller.tenant,
        may_work,
        &ListFilter {
            view,
            brand: brand.clone(),
        },
        seller.account_id,
        LIST_LIMIT,
    )
    .await?;
    let recent = conversations::list(
        pool,
        &seller.tenant,
        may_work,
        &ListFilter {
            view: View::All,
            brand: brand.clone(),
        },
        seller.account_id,
        LIST_LIMIT,
    )
    .await?;
    let watching = recent
        .iter()
        .filter(|c| now - c.last_message_at < chrono::Duration::hours(24))
        .map(|c| row(c, &seller, now))
        .collect();
    let brands = if seller.is_owner() {
        let mut seen: Vec<String> = recent.iter().map(|c| c.brand.clone()).collect();
        seen.sort();
        seen.dedup();
        seen
    } else {
        seller.brands.clone()
    };
    let (queue_title, queue_empty) = match view {
        View::Waiting => (
            "Waiting for a person",
            "Nobody is waiting for a person. New escalations appear here by themselves.",
        ),
        View::Mine => ("Yours", "You have no conversations right now."),
        View::Resolved => ("Resolved", "Nothing resolved yet."),
        View::All => ("Every hand-off", "No hand-offs yet."),
    };
    let page = InboxPage {
        layout: Layout::new(&seller, "Inbox", Nav::Inbox).with_flash(flash),
        tabs: tabs(view, brand.as_deref()),
        view: view_name(view),
        brand,
        brands,
        queue_title,
        queue_empty,
        queue: queue.iter().map(|c| row(c, &seller, now)).collect(),
        watching,
    };
    Ok(render(&page))
}

fn parse_view(name: Option<&str>) -> View {
    match name {
        Some("mine") => View::Mine,
        Some("resolved") => View::Resolved,
        Some("all") => View::All,
        _ => View::Waiting,
    }
}

fn view_name(view: View) -> &'static str {
    match view {
        View::Waiting => "waiting",
        View::Mine => "mine",
        View::Resolved => "resolved",
        View::All => "all",
    }
}

fn tabs(current: View, brand: Option<&str>) -> Vec<Tab> {
    [
        (View::Waiting, "Waiting"),
        (View::Mine, "Mine"),
        (View::Resolved, "Resolved"),
        (View::All, "All"),
    ]
    .into_iter()
    .map(|(view, label)| {
        let mut href = format!("/inbox?view={}", view_name(view));
        if let Some(brand) = brand {
            href.push_str("&brand=");
            href.push_str(&super::actions::encode_segment(brand));
        }
        Tab {
            label,
            href,
            current: view_name(view) == view_name(current),
        }
    })
    .collect()
}

fn row(c: &ConversationSummary, seller: &SignedIn, now: DateTime<Utc>) -> Row {
    let (handler_class, handler_label) = handler(c, seller);
    let handoff = c.handoff.as_ref();
    let waiting_since = handoff.map_or(c.last_message_at, |h| h.opened_at);
    Row {
        conversation: c.conversation.clone(),
        href: conversation_path(&c.conversation),
        customer: customer_name(c),
        brand: c.brand.clone(),
        channel: c.channel.clone(),
        priority: handoff.map(|h| h.priority.clone()).unwrap_or_default(),
        unread: c.unread,
        waiting: format!("waiting {}", ago(now - waiting_since)),
        reason: handoff.map(|h| reason_label(&h.reason)).unwrap_or_default(),
        summary: handoff.map(|h| h.summary.clone()).unwrap_or_default(),
        handler_class,
        handler_label,
        deferred_note: deferred_note(c),
        last_at: format!("{} ago", ago(now - c.last_message_at)),
        last_sender: sender_label(&c.last_sender).to_owned(),
        last_text: shorten(&c.last_text, 160),
    }
}

/// Who handles the conversation, for the lists and the conversation's
/// header: a CSS class and a sentence.
pub fn handler(c: &ConversationSummary, seller: &SignedIn) -> (&'static str, String) {
    match c.handler.as_str() {
        "human" if c.owner_account == Some(seller.account_id) => {
            ("human", "You have it".to_owned())
        }
        "human" => (
            "human",
            format!(
                "{} has it",
                c.owner_name.as_deref().unwrap_or("Another seller")
            ),
        ),
        "waiting" => ("waiting", "Waiting for a person".to_owned()),
        _ if c.handoff.as_ref().is_some_and(|h| h.status == "open") => (
            "waiting",
            "The AI is helping until a person is available".to_owned(),
        ),
        _ => ("ai", "The AI seller is answering".to_owned()),
    }
}

/// The shopper's name as the channel gives it, else their id.
pub fn customer_name(c: &ConversationSummary) -> String {
    c.customer
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| c.customer.id.clone())
}

/// The escalation reason in words.
pub fn reason_label(reason: &str) -> String {
    match reason {
        "customer_request" => "The shopper asked for a person".to_owned(),
        "llm_unavailable" => "The AI could not answer (no model available)".to_owned(),
        "policy" => "A brand rule needs a person".to_owned(),
        "complex_case" => "Too complex for the AI".to_owned(),
        "other" => "Other".to_owned(),
        other => other.replace('_', " "),
    }
}

/// Who sent a message, in words.
pub fn sender_label(sender: &str) -> &'static str {
    match sender {
        "shopper" => "Shopper",
        "ai" => "AI",
        "human" => "Seller",
        _ => "Store",
    }
}

/// When a person will answer a deferred hand-off.
pub fn deferred_note(c: &ConversationSummary) -> Option<String> {
    let handoff = c.handoff.as_ref()?;
    let reason = handoff.deferral_reason.as_deref()?;
    let why = match reason {
        "off_hours" => "Escalated outside staffed hours",
        _ => "Escalated while no seller was signed in",
    };
    Some(match handoff.deferred_until {
        Some(until) if until > Utc::now() => {
            format!(
                "{why}; the shopper was told a person answers from {} UTC",
                until.format("%a %H:%M")
            )
        }
        _ => format!("{why}; the AI kept helping — answer first"),
    })
}

/// `3 min`, `2 h 5 min`, `4 d`.
pub fn ago(elapsed: chrono::Duration) -> String {
    let minutes = elapsed.num_minutes().max(0);
    match minutes {
        0 => "under a minute".to_owned(),
        1..=59 => format!("{minutes} min"),
        60..=1439 => format!("{} h {} min", minutes / 60, minutes % 60),
        _ => format!("{} d", minutes / 1440),
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_times_read_as_people_say_them() {
        assert_eq!(ago(chrono::Duration::seconds(20)), "under a minute");
        assert_eq!(ago(chrono::Duration::minutes(7)), "7 min");
        assert_eq!(ago(chrono::Duration::minutes(125)), "2 h 5 min");
        assert_eq!(ago(chrono::Duration::days(3)), "3 d");
    }

    #[test]
    fn long_texts_are_cut_on_characters() {
        assert_eq!(shorten("ñandú", 3), "ñan…");
        assert_eq!(shorten("ok", 3), "ok");
    }
}
