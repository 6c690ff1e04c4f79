//! Transcript entries as terminal text: text, buttons and list rows as
//! numbered options (typing the number picks it), products, images as
//! URLs. Unknown part kinds are shown as their JSON rather than dropped.

use std::fmt::Write as _;

use serde_json::Value;

use super::client::Entry;

/// An option the shopper can pick by its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Id sent back in the reply.
    pub id: String,
    /// Label.
    pub title: String,
}

/// Who wrote an entry, as shown.
fn speaker(from: &str) -> &str {
    match from {
        "shopper" => "you",
        "seller" => "seller",
        "human" => "seller (human)",
        "system" => "store",
        other => other,
    }
}

fn str_field<'a>(part: &'a Value, key: &str) -> Option<&'a str> {
    part.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The entry as text, and the options it offers (numbered from 1).
pub fn render_entry(entry: &Entry) -> (String, Vec<Choice>) {
    let mut out = String::new();
    let mut choices = Vec::new();
    let _ = write!(out, "{}:", speaker(&entry.from));
    for part in &entry.parts {
        render_part(&mut out, part, &mut choices);
    }
    if entry.parts.is_empty() {
        out.push_str(" (empty)\n");
    }
    (out, choices)
}

fn line(out: &mut String, text: &str) {
    // The first line follows the speaker, the rest are indented under it.
    for (i, text_line) in text.lines().enumerate() {
        if i == 0 && !out.ends_with('\n') {
            let _ = writeln!(out, " {text_line}");
        } else {
            let _ = writeln!(out, "  {text_line}");
        }
    }
    if text.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn render_part(out: &mut String, part: &Value, choices: &mut Vec<Choice>) {
    let kind = part.get("kind").and_then(Value::as_str).unwrap_or("");
    if let Some(text) = str_field(part, "text") {
        line(out, text);
    }
    match kind {
        "text" => {}
        "buttons" => {
            for button in part
                .get("buttons")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                push_choice(out, button, choices, "  ");
            }
        }
        "list" => {
            if let Some(label) = str_field(part, "button_label") {
                line(out, &format!("[{label}]"));
            }
            for section in part
                .get("sections")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(title) = str_field(section, "title") {
                    line(out, &format!("  {title}"));
                }
                for row in section
                    .get("rows")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    push_choice(out, row, choices, "  ");
                }
            }
        }
        "image" => {
            let url = str_field(part, "url").unwrap_or("(no url)");
            match str_field(part, "caption") {
                Some(caption) => line(out, &format!("[image] {url} — {caption}")),
                None => line(out, &format!("[image] {url}")),
            }
        }
        "products" => render_products(out, part),
        "product_cards" => {
            for card in part
                .get("cards")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                render_card(out, card, choices);
            }
        }
        _ => line(out, &part.to_string()),
    }
}

fn push_choice(out: &mut String, option: &Value, choices: &mut Vec<Choice>, indent: &str) {
    let (Some(id), Some(title)) = (str_field(option, "id"), str_field(option, "title")) else {
        return;
    };
    choices.push(Choice {
        id: id.to_owned(),
        title: title.to_owned(),
    });
    let mut text = format!("{indent}{}) {title}", choices.len());
    if let Some(description) = str_field(option, "description") {
        let _ = write!(text, " — {description}");
    }
    line(out, &text);
}

/// Products: ids, or cards when the gateway sends them looked up.
/// A product card: a numbered option (picking it sends its `pick_id`), its
/// price and its picture's URL.
fn render_card(out: &mut String, card: &Value, choices: &mut Vec<Choice>) {
    let (Some(id), Some(title)) = (str_field(card, "pick_id"), str_field(card, "title")) else {
        return;
    };
    choices.push(Choice {
        id: id.to_owned(),
        title: title.to_owned(),
    });
    let mut text = format!("  {}) {title}", choices.len());
    if let Some(price) = str_field(card, "price_display") {
        let _ = write!(text, " — {price}");
    }
    if let Some(url) = str_field(card, "image_url") {
        let _ = write!(text, " {url}");
    }
    line(out, &text);
}

fn render_products(out: &mut String, part: &Value) {
    if let Some(cards) = part.get("products").and_then(Value::as_array) {
        for card in cards {
            let name = str_field(card, "name")
                .or_else(|| str_field(card, "title"))
                .unwrap_or("product");
            let mut text = format!("    • {name}");
            if let Some(price) = card.get("price").and_then(money) {
                let _ = write!(text, " — {price}");
            }
            if let Some(id) = str_field(card, "id") {
                let _ = write!(text, " [{id}]");
            }
            if let Some(url) = str_field(card, "image_url").or_else(|| str_field(card, "url")) {
                let _ = write!(text, " {url}");
            }
            line(out, &text);
        }
        return;
    }
    for id in part
        .get("product_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        line(out, &format!("    • product {id}"));
    }
}

fn money(value: &Value) -> Option<String> {
    let money: crate::order::Money = serde_json::from_value(value.clone()).ok()?;
    Some(money.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn buttons_and_list_rows_are_numbered_in_one_sequence() {
        let entry = Entry {
            seq: 2,
            from: "seller".into(),
            parts: vec![
                json!({"kind": "buttons", "text": "Pick", "buttons": [{"id": "a", "title": "A"}]}),
                json!({"kind": "list", "text": "More", "button_label": "See",
                       "sections": [{"title": "S", "rows": [{"id": "b", "title": "B", "description": "d"}]}]}),
                json!({"kind": "image", "url": "https://x/y.jpg"}),
            ],
            sent_at: None,
        };

        let (text, choices) = render_entry(&entry);

        assert_eq!(
            choices.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(text.starts_with("seller: Pick\n"), "{text}");
        assert!(text.contains("1) A") && text.contains("2) B — d"), "{text}");
        assert!(text.contains("[image] https://x/y.jpg"), "{text}");
    }

    #[test]
    fn product_cards_are_numbered_choices_with_price_and_picture() {
        let entry = Entry {
            seq: 3,
            from: "seller".into(),
            parts: vec![
                json!({"kind": "product_cards", "text": "Found", "button_label": "See",
                "pick_label": "Pick", "cards": [
                    {"pick_id": "pick:1", "title": "Tee", "price_display": "BRL 10.00",
                     "image_url": "http://c/images/demo/T.png"},
                    {"pick_id": "pick:2", "title": "Cap", "price_display": "BRL 5.00"}]}),
            ],
            sent_at: None,
        };

        let (text, choices) = render_entry(&entry);

        assert_eq!(
            choices.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["pick:1", "pick:2"]
        );
        assert!(
            text.contains("1) Tee — BRL 10.00 http://c/images/demo/T.png"),
            "{text}"
        );
        assert!(text.contains("2) Cap — BRL 5.00"), "{text}");
    }
}
