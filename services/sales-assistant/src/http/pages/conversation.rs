//! `GET /inbox/conversations/{conversation}`: one conversation as a human
//! seller works it — who handles it and why it escalated, the whole
//! transcript (shopper, AI, human, the store; product cards with price and
//! stock; the orders placed in it, in time order), the shopper's channel,
//! language and earlier orders, and the actions (claim, take over, hand
//! back, release, transfer, reply, suggest a reply, send a product, create
//! or cancel an order), which `super::actions` carries out. Another
//! tenant's conversation, or one of a brand the seller does not work, is
//! 404.

use std::collections::{BTreeMap, BTreeSet};

use crate::flows::{
    Actor,
    find_products::{ProductView, products_by_ids},
};

use askama::Template;
use axum::{
    Router,
    extract::{Path, State},
    response::Response,
    routing::get,
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use store_events::data::OrderLine;

use super::{
    Layout, Nav, PageError, TakeFlash,
    actions::conversation_path,
    inbox::{customer_name, deferred_note, handler, reason_label, sender_label},
    render,
};
use crate::{
    accounts,
    db::{
        conversations::{self, ConversationSummary},
        messages::{self, TranscriptEntry},
        shopper_orders::{self, ShopOrder},
    },
    http::{AppState, pages::session::SignedIn},
};

/// The conversation page's route.
pub fn router() -> Router<AppState> {
    Router::new().route("/inbox/conversations/{conversation}", get(conversation))
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    layout: Layout,
    head: Head,
    transcript: Vec<Entry>,
    orders: Vec<OrderView>,
}

/// The header and the shopper panel.
struct Head {
    conversation: String,
    base: String,
    customer: String,
    brand: String,
    channel: String,
    language: String,
    phone: Option<String>,
    handler_class: &'static str,
    status_line: String,
    reason: Option<String>,
    summary: Option<String>,
    deferred_note: Option<String>,
    can_claim: bool,
    can_take_over: bool,
    mine: bool,
    colleagues: Vec<(String, String)>,
}

/// One transcript entry: a message, or an order placed in the conversation.
enum Entry {
    Message(MessageView),
    Order(OrderView),
}

struct MessageView {
    seq: i32,
    sender: String,
    who: String,
    text: String,
    at: String,
    at_iso: String,
    products: Vec<ProductCard>,
    delivery: Option<DeliveryView>,
}

struct ProductCard {
    name: String,
    price: String,
    stock: String,
    image_url: Option<String>,
}

struct DeliveryView {
    class: &'static str,
    label: String,
}

struct OrderView {
    number: String,
    at: String,
    at_iso: String,
    placed_at: DateTime<Utc>,
    lines: Vec<LineView>,
    total: String,
    status: String,
    status_class: &'static str,
    payment_url: Option<String>,
    cancellable: bool,
}

struct LineView {
    name: String,
    quantity: u32,
    total: String,
}

async fn conversation(
    State(state): State<AppState>,
    seller: SignedIn,
    flash: TakeFlash,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let pool = &state.inbox.pool;
    let summary = conversations::find(pool, &seller.tenant, &id)
        .await?
        .filter(|c| seller.may_work(&c.brand))
        .ok_or(PageError::NotFound)?;
    let entries = messages::transcript(pool, &seller.tenant, &id, 0).await?;
    let orders = shopper_orders::of_shopper(pool, &seller.tenant, &id).await?;

    let ids: BTreeSet<String> = entries.iter().flat_map(product_ids).collect();
    let actor = Actor {
        tenant: &seller.tenant,
        account: seller.account_id,
        name: &seller.name,
        brands: (!seller.is_owner()).then_some(seller.brands.as_slice()),
    };
    // A catalog that does not answer leaves the cards saying so; the page
    // still shows.
    let products = if ids.is_empty() {
        BTreeMap::new()
    } else {
        products_by_ids(&state.inbox, &actor, &summary, ids.into_iter().collect())
            .await
            .unwrap_or_default()
    };

    let mut transcript: Vec<(DateTime<Utc>, Entry)> = entries
        .iter()
        .map(|m| (m.at, Entry::Message(message_view(m, &products))))
        .collect();
    for order in orders
        .iter()
        .filter(|o| o.conversation.as_deref() == Some(id.as_str()))
    {
        let view = order_view(order);
        transcript.push((view.placed_at, Entry::Order(view)));
    }
    transcript.sort_by_key(|(at, _)| *at);

    let colleagues = if summary.owner_account == Some(seller.account_id) {
        accounts::db::may_work_brand(pool, &seller.tenant, &summary.brand)
            .await?
            .into_iter()
            .filter(|account| account.id != seller.account_id)
            .map(|account| (account.id.to_string(), account.name))
            .collect()
    } else {
        Vec::new()
    };
    let head = head(&summary, &seller, colleagues);
    let page = ConversationPage {
        layout: Layout::new(&seller, head.customer.clone(), Nav::Inbox).with_flash(flash),
        head,
        transcript: transcript.into_iter().map(|(_, entry)| entry).collect(),
        orders: orders.iter().map(order_view).collect(),
    };
    Ok(render(&page))
}

fn head(c: &ConversationSummary, seller: &SignedIn, colleagues: Vec<(String, String)>) -> Head {
    let (handler_class, status_line) = handler(c, seller);
    let handoff = c.handoff.as_ref().filter(|h| h.status == "open");
    let open = handoff.is_some();
    let mine = c.handler == "human" && c.owner_account == Some(seller.account_id);
    Head {
        conversation: c.conversation.clone(),
        base: conversation_path(&c.conversation),
        customer: customer_name(c),
        brand: c.brand.clone(),
        channel: c.channel.clone(),
        language: c
            .language
            .clone()
            .or_else(|| c.customer.language.clone())
            .unwrap_or_else(|| "not known".to_owned()),
        phone: c.customer.phone.clone(),
        handler_class,
        status_line,
        reason: handoff.map(|h| reason_label(&h.reason)),
        summary: handoff.map(|h| h.summary.clone()),
        deferred_note: open.then(|| deferred_note(c)).flatten(),
        can_claim: open && c.owner_account.is_none(),
        can_take_over: !open,
        mine,
        colleagues,
    }
}

fn product_ids(entry: &TranscriptEntry) -> Vec<String> {
    parts_product_ids(entry.parts.as_ref())
}

/// The product ids of a reply's `products` parts.
fn parts_product_ids(parts: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(parts)) = parts else {
        return Vec::new();
    };
    parts
        .iter()
        .filter(|p| p.get("kind").and_then(Value::as_str) == Some("products"))
        .filter_map(|p| p.get("product_ids").and_then(Value::as_array))
        .flatten()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect()
}

/// A reply's menus of products (`product_cards` parts, and `list` parts,
/// as the AI seller offers what a search found) as cards: each one's title,
/// price and picture, and the stock the reply's text gives for it
/// (`… (3 in stock)`).
fn list_cards(parts: Option<&Value>) -> Vec<ProductCard> {
    let Some(Value::Array(parts)) = parts else {
        return Vec::new();
    };
    let mut cards = Vec::new();
    // Product cards (the seller's lists since they carry pictures): each
    // card's title, price and picture.
    for part in parts
        .iter()
        .filter(|p| p.get("kind").and_then(Value::as_str) == Some("product_cards"))
    {
        let text = part.get("text").and_then(Value::as_str).unwrap_or_default();
        for card in part
            .get("cards")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(title) = card.get("title").and_then(Value::as_str) else {
                continue;
            };
            cards.push(ProductCard {
                name: title.to_owned(),
                price: card
                    .get("price_display")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                stock: stock_in(text, title).unwrap_or_default(),
                image_url: card
                    .get("image_url")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
    }
    for part in parts
        .iter()
        .filter(|p| p.get("kind").and_then(Value::as_str) == Some("list"))
    {
        let text = part.get("text").and_then(Value::as_str).unwrap_or_default();
        let rows = part
            .get("sections")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|section| section.get("rows").and_then(Value::as_array))
            .flatten();
        for row in rows {
            let Some(title) = row.get("title").and_then(Value::as_str) else {
                continue;
            };
            cards.push(ProductCard {
                name: title.to_owned(),
                price: row
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                stock: stock_in(text, title).unwrap_or_default(),
                image_url: None,
            });
        }
    }
    cards
}

/// `3 in stock` from the line of `text` that names `title`.
fn stock_in(text: &str, title: &str) -> Option<String> {
    let line = text.lines().find(|line| line.contains(title))?;
    let end = line.rfind(" in stock)")?;
    let start = line[..end].rfind('(')? + 1;
    let count = &line[start..end];
    count
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("{count} in stock"))
}

fn message_view(m: &TranscriptEntry, products: &BTreeMap<String, ProductView>) -> MessageView {
    let who = match m.sender.as_str() {
        "human" => m.agent_name.clone().unwrap_or_else(|| "Seller".to_owned()),
        other => sender_label(other).to_owned(),
    };
    let mut cards: Vec<ProductCard> = list_cards(m.parts.as_ref());
    let catalog_cards =
        parts_product_ids(m.parts.as_ref())
            .into_iter()
            .map(|id| match products.get(&id) {
                Some(p) => ProductCard {
                    name: p.name.clone(),
                    price: p.price.clone(),
                    stock: match p.stock {
                        0 => "out of stock".to_owned(),
                        n => format!("{n} in stock"),
                    },
                    image_url: p.image_url.clone().filter(|u| u.starts_with("https://")),
                },
                None => ProductCard {
                    name: id,
                    price: "details unavailable".to_owned(),
                    stock: String::new(),
                    image_url: None,
                },
            });
    cards.extend(catalog_cards);
    let delivery = m.delivery.as_deref().map(|d| match d {
        "sent" => DeliveryView {
            class: "sent",
            label: "Sent".to_owned(),
        },
        "failed" => DeliveryView {
            class: "failed",
            label: format!(
                "Not delivered: {}",
                m.delivery_reason
                    .as_deref()
                    .unwrap_or("the channel refused it")
            ),
        },
        _ => DeliveryView {
            class: "pending",
            label: "Sending…".to_owned(),
        },
    });
    MessageView {
        seq: m.seq,
        sender: m.sender.clone(),
        who,
        text: m.text.clone(),
        at: m.at.format("%d %b %H:%M").to_string(),
        at_iso: m.at.to_rfc3339(),
        products: cards,
        delivery,
    }
}

fn order_view(o: &ShopOrder) -> OrderView {
    let lines: Vec<OrderLine> = serde_json::from_value(o.lines.clone()).unwrap_or_default();
    let (status, status_class) = match o.status.as_str() {
        "pending_payment" => ("Waiting for payment", "pending"),
        "paid" => ("Paid", "paid"),
        "fulfilled" => ("Packed", "done"),
        "shipped" => ("Shipped", "done"),
        "delivered" => ("Delivered", "done"),
        "cancelled" => ("Cancelled", "cancelled"),
        "expired" => ("Expired (not paid in time)", "cancelled"),
        _ => ("Unknown status", "pending"),
    };
    OrderView {
        number: o.number.clone(),
        at: o.placed_at.format("%d %b %H:%M").to_string(),
        at_iso: o.placed_at.to_rfc3339(),
        placed_at: o.placed_at,
        lines: lines
            .iter()
            .map(|l| LineView {
                name: l.name.clone(),
                quantity: l.quantity,
                total: l.line_total.to_string(),
            })
            .collect(),
        total: o.total(),
        status: status.to_owned(),
        status_class,
        payment_url: o
            .payment_url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        cancellable: matches!(o.status.as_str(), "pending_payment" | "paid" | "fulfilled"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn product_cards_become_cards_with_price_stock_and_picture() {
        let parts = json!([{
            "kind": "product_cards",
            "text": "Here is what I found:\n1. Classic Sneakers (38) — 299.90 BRL (3 in stock)",
            "button_label": "See products",
            "pick_label": "Pick",
            "cards": [{"pick_id": "pick:1", "title": "Classic Sneakers (38)", "price_display": "299.90 BRL", "image_url": "http://127.0.0.1:1/images/demo/FASHION-0701.png"}]
        }]);

        let cards = list_cards(Some(&parts));

        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].price, "299.90 BRL");
        assert_eq!(cards[0].stock, "3 in stock");
        assert_eq!(
            cards[0].image_url.as_deref(),
            Some("http://127.0.0.1:1/images/demo/FASHION-0701.png")
        );
    }

    #[test]
    fn a_product_menu_becomes_cards_with_price_and_stock() {
        let parts = json!([{
            "kind": "list",
            "text": "Here is what I found:\n1. Classic Sneakers (38) — 299.90 BRL (3 in stock)\n2. Boots — 10.00 BRL",
            "button_label": "See products",
            "sections": [{"title": "See products", "rows": [
                {"id": "pick:1", "title": "Classic Sneakers (38)", "description": "299.90 BRL"},
                {"id": "pick:2", "title": "Boots", "description": "10.00 BRL"}
            ]}]
        }]);
        let cards = list_cards(Some(&parts));
        assert_eq!(cards.len(), 2);
        assert_eq!(cards[0].name, "Classic Sneakers (38)");
        assert_eq!(cards[0].price, "299.90 BRL");
        assert_eq!(cards[0].stock, "3 in stock");
        assert_eq!(cards[1].stock, "");
    }

    #[test]
    fn product_ids_come_from_products_parts_only() {
        let parts = json!([
            {"kind": "text", "text": "hi"},
            {"kind": "products", "product_ids": ["p1", "p2"]},
            {"kind": "products", "text": "more", "product_ids": ["p3"]}
        ]);
        assert_eq!(parts_product_ids(Some(&parts)), ["p1", "p2", "p3"]);
        assert!(parts_product_ids(None).is_empty());
    }
}
