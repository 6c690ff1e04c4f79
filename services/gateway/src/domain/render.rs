//! Rendering a `store.chat.response` for a channel: each part becomes one or
//! more channel messages (a text longer than the channel's limit is split),
//! in order. WhatsApp gets Graph API message bodies, Telegram Bot API calls.

use serde_json::{Value, json};
use store_events::data::response::{ChatResponse, ProductCard, ResponsePart};

use super::{
    split::{
        TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, WHATSAPP_INTERACTIVE_LIMIT,
        WHATSAPP_TEXT_LIMIT, split_text,
    },
    tenants::Template,
};

/// Most pictures a product-cards part sends before its list on WhatsApp and
/// Telegram: more would flood the chat; the list still holds every card.
pub const MAX_CARD_PICTURES: usize = 3;

/// A Telegram Bot API call.
#[derive(Debug, Clone, PartialEq)]
pub struct TelegramCall {
    /// Method, e.g. `sendMessage`.
    pub method: &'static str,
    /// Its JSON parameters.
    pub payload: Value,
}

/// Cuts `s` to at most `max` characters (WhatsApp's limits on titles).
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` split for WhatsApp: all but the last piece as plain text bodies;
/// the last piece is returned for the caller to carry (in an interactive
/// body or a caption).
fn leading_pieces(text: &str, limit: usize) -> (Vec<String>, String) {
    let mut pieces = split_text(text, limit);
    let last = pieces.pop().unwrap_or_default();
    (pieces, last)
}

fn whatsapp_text(to: &str, body: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": { "preview_url": false, "body": body },
    })
}

fn whatsapp_interactive(to: &str, interactive: Value) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": interactive,
    })
}

fn with_description(mut row: Value, description: Option<&str>) -> Value {
    if let Some(d) = description {
        row["description"] = json!(cut(d, 72));
    }
    row
}

/// An interactive list message (after plain-text messages for what of
/// `text` does not fit its body), with at most 10 rows in all as WhatsApp
/// takes; a section left without rows is left out.
fn whatsapp_list(
    out: &mut Vec<Value>,
    to: &str,
    text: &str,
    button_label: &str,
    sections: Vec<(&str, Vec<Value>)>,
) {
    let (lead, last) = leading_pieces(text, WHATSAPP_INTERACTIVE_LIMIT);
    out.extend(lead.iter().map(|p| whatsapp_text(to, p)));
    let mut budget = 10usize;
    let sections: Vec<Value> = sections
        .into_iter()
        .map(|(title, rows)| {
            let rows: Vec<Value> = rows.into_iter().take(budget).collect();
            budget -= rows.len();
            json!({ "title": cut(title, 24), "rows": rows })
        })
        .filter(|s| s["rows"].as_array().is_some_and(|r| !r.is_empty()))
        .collect();
    out.push(whatsapp_interactive(
        to,
        json!({
            "type": "list",
            "body": { "text": last },
            "action": { "button": cut(button_label, 20), "sections": sections },
        }),
    ));
}

/// An image message; a caption longer than WhatsApp takes goes first as
/// text.
fn whatsapp_image(out: &mut Vec<Value>, to: &str, url: &str, caption: Option<&str>) {
    let mut image = json!({ "link": url });
    if let Some(caption) = caption {
        let (lead, last) = leading_pieces(caption, WHATSAPP_INTERACTIVE_LIMIT);
        image["caption"] = json!(last);
        out.extend(lead.iter().map(|p| whatsapp_text(to, p)));
    }
    out.push(json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "image",
        "image": image,
    }));
}

/// The cards that get a picture of their own: the first
/// [`MAX_CARD_PICTURES`] that have one.
fn pictured(cards: &[ProductCard]) -> impl Iterator<Item = &ProductCard> {
    cards
        .iter()
        .filter(|c| c.image_url.is_some())
        .take(MAX_CARD_PICTURES)
}

/// The Graph API bodies of `response` for recipient `to`, in order.
/// `catalog_id` is the channel's Meta commerce catalogue: with one, product
/// parts become product messages (catalogue product ids are the retailer ids
/// there); without, they are sent as text.
pub fn whatsapp_messages(
    response: &ChatResponse,
    to: &str,
    catalog_id: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for part in &response.parts {
        match part {
            ResponsePart::Text { text } => {
                out.extend(
                    split_text(text, WHATSAPP_TEXT_LIMIT)
                        .iter()
                        .map(|p| whatsapp_text(to, p)),
                );
            }
            ResponsePart::Buttons { text, buttons } => {
                let (lead, last) = leading_pieces(text, WHATSAPP_INTERACTIVE_LIMIT);
                out.extend(lead.iter().map(|p| whatsapp_text(to, p)));
                let buttons: Vec<Value> = buttons
                    .iter()
                    .take(3)
                    .map(|b| json!({ "type": "reply", "reply": { "id": cut(&b.id, 256), "title": cut(&b.title, 20) } }))
                    .collect();
                out.push(whatsapp_interactive(
                    to,
                    json!({
                        "type": "button",
                        "body": { "text": last },
                        "action": { "buttons": buttons },
                    }),
                ));
            }
            ResponsePart::List {
                text,
                button_label,
                sections,
            } => {
                let sections = sections.iter().map(|s| {
                    let rows = s.rows.iter().map(|r| {
                        let row = json!({ "id": cut(&r.id, 200), "title": cut(&r.title, 24) });
                        with_description(row, r.description.as_deref())
                    });
                    (s.title.as_str(), rows.collect())
                });
                whatsapp_list(&mut out, to, text, button_label, sections.collect());
            }
            ResponsePart::Image { url, caption } => {
                whatsapp_image(&mut out, to, url, caption.as_deref());
            }
            ResponsePart::ProductCards {
                text,
                button_label,
                cards,
                ..
            } => {
                // The pictures first, each captioned with its name and
                // price, then the list the shopper picks from.
                for card in pictured(cards) {
                    if let Some(url) = &card.image_url {
                        whatsapp_image(&mut out, to, url, Some(&card.caption()));
                    }
                }
                let rows = cards.iter().map(|c| {
                    let row = json!({ "id": cut(&c.pick_id, 200), "title": cut(&c.title, 24) });
                    let description = match &c.description {
                        Some(d) => format!("{} · {d}", c.price_display),
                        None => c.price_display.clone(),
                    };
                    with_description(row, Some(&description))
                });
                whatsapp_list(
                    &mut out,
                    to,
                    text,
                    button_label,
                    vec![(button_label.as_str(), rows.collect())],
                );
            }
            ResponsePart::Products { text, product_ids } => match catalog_id {
                Some(catalog) => out.push(whatsapp_interactive(
                    to,
                    product_message(catalog, text.as_deref(), product_ids),
                )),
                None => {
                    // Without a catalogue the shopper gets the text and the
                    // product references.
                    let body = match text {
                        Some(t) => format!("{t}\n{}", product_ids.join(", ")),
                        None => product_ids.join(", "),
                    };
                    out.extend(
                        split_text(&body, WHATSAPP_TEXT_LIMIT)
                            .iter()
                            .map(|p| whatsapp_text(to, p)),
                    );
                }
            },
        }
    }
    if let (Some(reply_to), Some(first)) = (&response.reply_to_message_id, out.first_mut()) {
        first["context"] = json!({ "message_id": reply_to });
    }
    out
}

/// A single-product or multi-product (at most 30 items) interactive message.
fn product_message(catalog_id: &str, text: Option<&str>, product_ids: &[String]) -> Value {
    let body = text.filter(|t| !t.is_empty()).unwrap_or("Here you are");
    if let [only] = product_ids {
        return json!({
            "type": "product",
            "body": { "text": cut(body, WHATSAPP_INTERACTIVE_LIMIT) },
            "action": { "catalog_id": catalog_id, "product_retailer_id": only },
        });
    }
    let items: Vec<Value> = product_ids
        .iter()
        .take(30)
        .map(|id| json!({ "product_retailer_id": id }))
        .collect();
    json!({
        "type": "product_list",
        "header": { "type": "text", "text": cut(body, 60) },
        "body": { "text": cut(body, WHATSAPP_INTERACTIVE_LIMIT) },
        "action": { "catalog_id": catalog_id, "sections": [{ "title": "Products", "product_items": items }] },
    })
}

/// The Graph API body of a template message.
pub fn whatsapp_template(to: &str, template: &Template) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": { "name": template.name, "language": { "code": template.language } },
    })
}

/// A chat id as Telegram takes it: a number when it is one.
fn chat_id(chat: &str) -> Value {
    chat.parse::<i64>()
        .map_or_else(|_| json!(chat), |n| json!(n))
}

fn send_message(chat: &str, text: &str) -> TelegramCall {
    TelegramCall {
        method: "sendMessage",
        payload: json!({ "chat_id": chat_id(chat), "text": text }),
    }
}

fn with_keyboard(chat: &str, text: &str, keyboard: Vec<Vec<Value>>) -> TelegramCall {
    let mut call = send_message(chat, text);
    call.payload["reply_markup"] = json!({ "inline_keyboard": keyboard });
    call
}

fn button(text: &str, data: &str) -> Value {
    json!({ "text": text, "callback_data": data })
}

/// Product cards on Telegram: a photo per pictured card, captioned with its
/// name and price, under which one inline button picks it (its
/// `callback_data` is the card's pick id, as a list row's); then the text,
/// with a button for each card that had no photo. A photo per card rather
/// than one `sendMediaGroup`: an album takes no inline keyboard, so its
/// picks would sit apart from the pictures in a message of their own.
fn telegram_cards(
    out: &mut Vec<TelegramCall>,
    chat: &str,
    text: &str,
    pick_label: &str,
    cards: &[ProductCard],
) {
    let mut photographed = Vec::new();
    for card in pictured(cards) {
        let Some(url) = &card.image_url else { continue };
        let (lead, last) = leading_pieces(&card.caption(), TELEGRAM_CAPTION_LIMIT);
        out.extend(lead.iter().map(|p| send_message(chat, p)));
        out.push(TelegramCall {
            method: "sendPhoto",
            payload: json!({
                "chat_id": chat_id(chat),
                "photo": url,
                "caption": last,
                "reply_markup": { "inline_keyboard": [[button(pick_label, &card.pick_id)]] },
            }),
        });
        photographed.push(card.pick_id.as_str());
    }
    let (lead, last) = leading_pieces(text, TELEGRAM_TEXT_LIMIT);
    out.extend(lead.iter().map(|p| send_message(chat, p)));
    let rows: Vec<Vec<Value>> = cards
        .iter()
        .filter(|c| !photographed.contains(&c.pick_id.as_str()))
        .map(|c| vec![button(&c.caption(), &c.pick_id)])
        .collect();
    out.push(if rows.is_empty() {
        send_message(chat, &last)
    } else {
        with_keyboard(chat, &last, rows)
    });
}

/// The Bot API calls of `response` for chat `chat`, in order.
pub fn telegram_calls(response: &ChatResponse, chat: &str) -> Vec<TelegramCall> {
    let mut out = Vec::new();
    for part in &response.parts {
        match part {
            ResponsePart::Text { text } => {
                out.extend(
                    split_text(text, TELEGRAM_TEXT_LIMIT)
                        .iter()
                        .map(|p| send_message(chat, p)),
                );
            }
            ResponsePart::Buttons { text, buttons } => {
                let (lead, last) = leading_pieces(text, TELEGRAM_TEXT_LIMIT);
                out.extend(lead.iter().map(|p| send_message(chat, p)));
                let row = buttons.iter().map(|b| button(&b.title, &b.id)).collect();
                out.push(with_keyboard(chat, &last, vec![row]));
            }
            ResponsePart::List { text, sections, .. } => {
                let (lead, last) = leading_pieces(text, TELEGRAM_TEXT_LIMIT);
                out.extend(lead.iter().map(|p| send_message(chat, p)));
                let rows = sections
                    .iter()
                    .flat_map(|s| &s.rows)
                    .map(|r| {
                        let label = match &r.description {
                            Some(d) => format!("{} — {d}", r.title),
                            None => r.title.clone(),
                        };
                        vec![button(&label, &r.id)]
                    })
                    .collect();
                out.push(with_keyboard(chat, &last, rows));
            }
            ResponsePart::Image { url, caption } => {
                let mut payload = json!({ "chat_id": chat_id(chat), "photo": url });
                if let Some(caption) = caption {
                    let (lead, last) = leading_pieces(caption, TELEGRAM_CAPTION_LIMIT);
                    out.extend(lead.iter().map(|p| send_message(chat, p)));
                    payload["caption"] = json!(last);
                }
                out.push(TelegramCall {
                    method: "sendPhoto",
                    payload,
                });
            }
            ResponsePart::Products { text, product_ids } => {
                let body = match text {
                    Some(t) => format!("{t}\n{}", product_ids.join(", ")),
                    None => product_ids.join(", "),
                };
                out.extend(
                    split_text(&body, TELEGRAM_TEXT_LIMIT)
                        .iter()
                        .map(|p| send_message(chat, p)),
                );
            }
            ResponsePart::ProductCards {
                text,
                pick_label,
                cards,
                ..
            } => telegram_cards(&mut out, chat, text, pick_label, cards),
        }
    }
    if let (Some(reply_to), Some(first)) = (&response.reply_to_message_id, out.first_mut())
        && let Ok(id) = reply_to.parse::<i64>()
    {
        first.payload["reply_parameters"] =
            json!({ "message_id": id, "allow_sending_without_reply": true });
    }
    out
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
