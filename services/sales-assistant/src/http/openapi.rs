//! The sales assistant's OpenAPI document (`GET /openapi.json`): its API,
//! the inbox's pages (HTML) and its operator routes, from this table, built
//! by `store_service::openapi`.

use store_service::openapi::{Api, Auth::*, Reply::*};

/// The API and every route of it.
pub const API: Api = Api {
    title: "agent-store sales assistant",
    description: "The human sellers' inbox and its API: handoffs, pages, the operator's routes.",
    routes: ROUTES,
};

#[rustfmt::skip]
const ROUTES: &[store_service::openapi::Route] = &[
    ("POST", "/admin/tenants", "operator", Operator, Json, "Create a tenant (or rotate its key)"),
    ("POST", "/admin/tenants/{tenant}/owners", "operator", Operator, Created, "Make a shop's first inbox owner"),
    ("GET", "/api/v1/handoffs", "handoffs", ApiKey, Json, "Handoffs, by status"),
    ("GET", "/api/v1/handoffs/{id}", "handoffs", ApiKey, Json, "A handoff and its conversation so far"),
    ("POST", "/api/v1/handoffs/{id}/reply", "handoffs", ApiKey, Accepted, "Answer the shopper as a human seller"),
    ("POST", "/api/v1/handoffs/{id}/resolve", "handoffs", ApiKey, Json, "Hand the conversation back to the AI"),
    ("GET", "/inbox/sign-in", "inbox", Public, Html, "The sign-in page"),
    ("POST", "/inbox/sign-in", "inbox", Public, Redirect, "Sign in"),
    ("POST", "/inbox/sign-out", "inbox", Inbox, Redirect, "Sign out"),
    ("GET", "/inbox/assets/{file}", "inbox", Public, Text, "The inbox's scripts, styles and sounds"),
    ("GET", "/inbox/invitations/{token}", "inbox", Public, Html, "An invitation's page"),
    ("POST", "/inbox/invitations/{token}", "inbox", Public, Redirect, "Accept an invitation: name and password"),
    ("GET", "/inbox", "inbox", Inbox, Html, "Waiting and open conversations"),
    ("GET", "/inbox/events", "inbox", Inbox, Events, "Escalations and messages, live"),
    ("GET", "/inbox/team", "inbox", Inbox, Html, "The team (owners)"),
    ("POST", "/inbox/team/invitations", "inbox", Inbox, Html, "Invite a seller (owners)"),
    ("POST", "/inbox/team/{account}/disable", "inbox", Inbox, Redirect, "Disable a seller's account (owners)"),
    ("GET", "/inbox/reports", "inbox", Inbox, Html, "Reports per brand and day (owners)"),
    ("GET", "/inbox/reports.csv", "inbox", Inbox, Csv, "The reports as CSV (owners)"),
    ("GET", "/inbox/settings/notifications", "inbox", Inbox, Html, "Notification settings"),
    ("POST", "/inbox/settings/notifications", "inbox", Inbox, Redirect, "Save notification settings"),
    ("POST", "/inbox/settings/notifications/telegram", "inbox", Inbox, Redirect, "Link a Telegram chat for notifications"),
    ("GET", "/inbox/conversations/{conversation}", "inbox", Inbox, Html, "A conversation"),
    ("POST", "/inbox/conversations/{conversation}/claim", "inbox", Inbox, Action, "Claim a waiting conversation"),
    ("POST", "/inbox/conversations/{conversation}/take-over", "inbox", Inbox, Action, "Take over from the AI"),
    ("POST", "/inbox/conversations/{conversation}/release", "inbox", Inbox, Action, "Release to the queue"),
    ("POST", "/inbox/conversations/{conversation}/transfer", "inbox", Inbox, Action, "Transfer to a colleague"),
    ("POST", "/inbox/conversations/{conversation}/hand-back", "inbox", Inbox, Action, "Hand back to the AI"),
    ("POST", "/inbox/conversations/{conversation}/reply", "inbox", Inbox, Action, "Answer the shopper"),
    ("POST", "/inbox/conversations/{conversation}/draft", "inbox", Inbox, Action, "Ask the AI seller for a draft reply"),
    ("GET", "/inbox/conversations/{conversation}/products", "inbox", Inbox, Json, "Find catalog products"),
    ("POST", "/inbox/conversations/{conversation}/send-product", "inbox", Inbox, Action, "Send a product card"),
    ("POST", "/inbox/conversations/{conversation}/orders", "inbox", Inbox, Action, "Create an order at catalog prices"),
    ("POST", "/inbox/conversations/{conversation}/orders/{number}/cancel", "inbox", Inbox, Action, "Cancel an order"),
];
