//! The gateway's OpenAPI document (`GET /openapi.json`): every route, from
//! this table, built by `store_service::openapi`.

use store_service::openapi::{Api, Auth::*, Reply::*};

const WEBCHAT: &str = "webchat";

/// The API and every route of it.
pub const API: Api = Api {
    title: "agent-store gateway",
    description: "WhatsApp and Telegram webhooks and the web chat channel.",
    routes: ROUTES,
};

#[rustfmt::skip]
const ROUTES: &[store_service::openapi::Route] = &[
    ("GET", "/webhooks/whatsapp/{tenant}", "whatsapp", WhatsappVerify, Text, "Meta's subscription check: echoes `hub.challenge`"),
    ("POST", "/webhooks/whatsapp/{tenant}", "whatsapp", WhatsappSignature, Empty, "WhatsApp Cloud API webhook: messages and statuses"),
    ("POST", "/webhooks/telegram/{tenant}", "telegram", TelegramSecret, Empty, "Telegram Bot API webhook: one update"),
    ("GET", "/chat/{tenant}", WEBCHAT, Public, Html, "The web chat page"),
    ("GET", "/chat/{tenant}/widget.js", WEBCHAT, Public, Script, "The widget a shop embeds on its site"),
    ("GET", "/chat/{tenant}/chat.js", WEBCHAT, Public, Script, "The web chat page's script"),
    ("GET", "/chat/{tenant}/chat.css", WEBCHAT, Public, Style, "The web chat page's style sheet"),
    ("GET", "/chat/{tenant}/brands", WEBCHAT, Public, Json, "The brands a shopper picks from"),
    ("POST", "/chat/{tenant}/sessions", WEBCHAT, Public, Created, "Start a chat: a session and its token"),
    ("GET", "/chat/{tenant}/sessions/{session}", WEBCHAT, Webchat, Json, "The session's messages so far"),
    ("POST", "/chat/{tenant}/sessions/{session}/messages", WEBCHAT, Webchat, Accepted, "Send a shopper's message"),
    ("GET", "/chat/{tenant}/sessions/{session}/events", WEBCHAT, Webchat, Events, "The replies, live"),
];
