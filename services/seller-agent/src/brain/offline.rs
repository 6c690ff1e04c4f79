//! The offline brain: a deterministic rule-based seller for shops without a
//! model. It greets, searches the catalog with the shopper's words, lets
//! them pick an item and a quantity, asks for confirmation, places the order,
//! reports order status and hands over to a person — through the same tools
//! as the LLM brain, so it is just as honest about prices.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store_events::data::{Button, ListRow, ListSection, ResponsePart};

use super::{
    Brain, BrainError, Turn, TurnResult,
    language::{self, Lang, Phrases},
};
use crate::{
    llm::{Message, ToolCall},
    metrics::SellerMetrics,
    tools::{self, ToolContext, ToolOutcome},
};

/// What the offline seller remembers between messages of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OfflineState {
    /// The last products shown, in the order shown.
    #[serde(default)]
    pub shown: Vec<Shown>,
    /// An order waiting for the shopper's yes or no.
    #[serde(default)]
    pub pending: Option<Pending>,
}

/// A product as it was shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    /// Product id.
    pub product_id: String,
    /// Variant id.
    pub variant_id: Option<String>,
    /// Name.
    pub name: String,
    /// Price as displayed.
    pub price: String,
}

/// An order proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The product.
    pub item: Shown,
    /// How many.
    pub quantity: u32,
}

/// The rule-based seller.
pub struct OfflineBrain {
    metrics: SellerMetrics,
}

impl OfflineBrain {
    /// A new offline brain.
    pub fn new(metrics: SellerMetrics) -> Self {
        Self { metrics }
    }
}

/// What the shopper wants, as far as rules can tell.
#[derive(Debug, Clone, PartialEq)]
enum Intent {
    Greeting,
    Yes,
    No,
    Pick { index: usize, quantity: u32 },
    OrderStatus,
    Search(String),
}

const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hola",
    "buenas",
    "buenos días",
    "buenas tardes",
    "olá",
    "oi",
    "bom dia",
    "boa tarde",
    "bonjour",
    "salut",
    "hallo",
    "guten tag",
    "ciao",
    "good morning",
    "good afternoon",
];
const YES: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "sure",
    "ok",
    "okay",
    "confirm",
    "sí",
    "si",
    "dale",
    "claro",
    "vale",
    "sim",
    "pode",
    "oui",
    "ja",
    "confirmo",
    "confirmar",
];
const NO: &[&str] = &[
    "no", "nope", "não", "nao", "non", "nein", "cancel", "cancelar", "mejor no",
];
const ORDER_STATUS: &[&str] = &[
    "my order",
    "my orders",
    "order status",
    "where is my order",
    "mi pedido",
    "mis pedidos",
    "estado de mi pedido",
    "meu pedido",
    "meus pedidos",
    "ma commande",
    "mes commandes",
    "meine bestellung",
];
const ORDINALS: &[(&str, usize)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("primero", 1),
    ("primera", 1),
    ("segundo", 2),
    ("segunda", 2),
    ("tercero", 3),
    ("tercera", 3),
    ("cuarto", 4),
    ("quinto", 5),
    ("primeiro", 1),
    ("primeira", 1),
    ("terceiro", 3),
    ("terceira", 3),
    ("premier", 1),
    ("première", 1),
    ("deuxième", 2),
    ("troisième", 3),
    ("erste", 1),
    ("ersten", 1),
    ("zweite", 2),
    ("zweiten", 2),
    ("dritte", 3),
    ("dritten", 3),
];
const STOPWORDS: &[&str] = &[
    "i",
    "want",
    "would",
    "like",
    "need",
    "looking",
    "for",
    "a",
    "an",
    "the",
    "some",
    "do",
    "you",
    "have",
    "any",
    "please",
    "show",
    "me",
    "buy",
    "get",
    "quiero",
    "busco",
    "necesito",
    "tienen",
    "tienes",
    "unos",
    "unas",
    "un",
    "una",
    "el",
    "la",
    "los",
    "las",
    "de",
    "por",
    "favor",
    "me",
    "gustaría",
    "comprar",
    "quero",
    "preciso",
    "vocês",
    "têm",
    "tem",
    "uns",
    "umas",
    "um",
    "uma",
    "o",
    "os",
    "as",
    "je",
    "voudrais",
    "cherche",
    "des",
    "une",
    "le",
    "les",
    "ich",
    "möchte",
    "suche",
    "eine",
    "einen",
    "ein",
    "haben",
    "sie",
    "hi",
    "hello",
    "hola",
    "olá",
    "oi",
    "bonjour",
    "hallo",
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '#')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn contains_any(lower: &str, words_: &[String], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| {
        if p.contains(' ') {
            lower.contains(p)
        } else {
            words_.iter().any(|w| w == p)
        }
    })
}

fn understand(text: &str, reply_id: Option<&str>, state: &OfflineState) -> Intent {
    if let Some(id) = reply_id {
        if let Some(n) = id.strip_prefix("pick:").and_then(|n| n.parse().ok()) {
            return Intent::Pick {
                index: n,
                quantity: 1,
            };
        }
        match id {
            "confirm:yes" => return Intent::Yes,
            "confirm:no" => return Intent::No,
            _ => {}
        }
    }
    let lower = text.to_lowercase();
    let ws = words(text);
    if state.pending.is_some() {
        if contains_any(&lower, &ws, NO) {
            return Intent::No;
        }
        if contains_any(&lower, &ws, YES) {
            return Intent::Yes;
        }
    }
    if contains_any(&lower, &ws, ORDER_STATUS) {
        return Intent::OrderStatus;
    }
    if !state.shown.is_empty() {
        let numbers: Vec<u32> = ws
            .iter()
            .filter_map(|w| w.trim_start_matches('#').parse().ok())
            .collect();
        let ordinal = ws
            .iter()
            .find_map(|w| ORDINALS.iter().find(|(o, _)| o == w).map(|(_, n)| *n));
        let pick = match (numbers.as_slice(), ordinal) {
            ([qty], Some(index)) => Some((index, *qty)),
            ([], Some(index)) => Some((index, 1)),
            ([qty, index], None) => Some((*index as usize, *qty)),
            ([index], None) if ws.len() <= 3 => Some((*index as usize, 1)),
            _ => None,
        };
        if let Some((index, quantity)) = pick
            && index >= 1
            && index <= state.shown.len()
            && quantity >= 1
        {
            return Intent::Pick { index, quantity };
        }
    }
    let meaningful: Vec<&String> = ws
        .iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect();
    let small_talk = contains_any(&lower, &ws, GREETINGS)
        || contains_any(&lower, &ws, YES)
        || contains_any(&lower, &ws, NO);
    if meaningful.is_empty() || (small_talk && meaningful.len() <= 1) {
        return Intent::Greeting;
    }
    Intent::Search(
        meaningful
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Runs a tool and records it in the transcript like the LLM brain does.
async fn call(
    ctx: &ToolContext,
    metrics: &SellerMetrics,
    result: &mut TurnResult,
    name: &str,
    args: Value,
    index: usize,
) -> ToolOutcome {
    let call = ToolCall {
        id: format!("offline-{index}"),
        name: name.to_owned(),
        arguments: args.to_string(),
    };
    let outcome = tools::run(ctx, &call, index).await;
    metrics.tool_call(name, outcome.label());
    result
        .transcript
        .push(Message::assistant(String::new(), vec![call.clone()]));
    result.transcript.push(Message::tool_result(
        call.id,
        outcome.content(),
        outcome.is_error(),
    ));
    outcome
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template.to_owned(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

fn show_products(products: &[Value], p: &Phrases, state: &mut OfflineState) -> Vec<ResponsePart> {
    state.shown.clear();
    let mut lines = vec![p.results.to_owned()];
    let mut rows = Vec::new();
    for (i, product) in products.iter().take(5).enumerate() {
        let name = product["name"].as_str().unwrap_or("?").to_owned();
        let price = product["price"]["display"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        let stock = product["stock"].as_u64().unwrap_or(0);
        let availability = if stock == 0 {
            p.out_of_stock.to_owned()
        } else {
            format!("{stock} {}", p.in_stock)
        };
        lines.push(format!("{}. {name} — {price} ({availability})", i + 1));
        rows.push(ListRow {
            id: format!("pick:{}", i + 1),
            title: name.chars().take(24).collect(),
            description: Some(price.clone()),
        });
        state.shown.push(Shown {
            product_id: product["product_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            variant_id: product["variant_id"].as_str().map(str::to_owned),
            name,
            price,
        });
    }
    lines.push(p.how_to_pick.to_owned());
    vec![ResponsePart::List {
        text: lines.join("\n"),
        button_label: p.see_products.to_owned(),
        sections: vec![ListSection {
            title: p.see_products.chars().take(24).collect(),
            rows,
        }],
    }]
}

fn order_lines(order: &Value, p: &Phrases) -> String {
    let mut lines = vec![fill(
        p.placed,
        &[("number", order["order_number"].as_str().unwrap_or("?"))],
    )];
    for line in order["lines"].as_array().into_iter().flatten() {
        lines.push(format!(
            "• {} × {} — {}",
            line["quantity"],
            line["name"].as_str().unwrap_or("?"),
            line["line_total"]["display"].as_str().unwrap_or("?")
        ));
    }
    lines.push(format!(
        "{}: {}",
        p.total,
        order["total"]["display"].as_str().unwrap_or("?")
    ));
    if let Some(link) = order["payment"]["link"].as_str() {
        lines.push(format!("{}: {link}", p.pay));
    }
    lines.join("\n")
}

#[async_trait::async_trait]
impl Brain for OfflineBrain {
    fn name(&self) -> String {
        "offline".to_owned()
    }

    async fn turn(&self, turn: Turn<'_>) -> Result<TurnResult, BrainError> {
        let ctx = turn.ctx;
        let mut state: OfflineState =
            serde_json::from_value(turn.state.clone()).unwrap_or_default();
        let lang = language::detect(&turn.text)
            .or_else(|| turn.shopper.language.as_deref().map(Lang::from_tag))
            .unwrap_or_else(|| Lang::from_tag(&turn.persona.default_language));
        let p = language::phrases(lang);
        let mut result = TurnResult::default();
        let intent = understand(&turn.text, turn.reply_id.as_deref(), &state);
        let mut facts = turn.facts;
        let parts = match intent {
            Intent::Greeting if turn.first_message => vec![ResponsePart::Text {
                text: turn.persona.greeting.clone(),
            }],
            Intent::Greeting => vec![ResponsePart::Text {
                text: p.what_do_you_need.to_owned(),
            }],
            Intent::Search(query) => {
                match call(
                    ctx,
                    &self.metrics,
                    &mut result,
                    tools::SEARCH_PRODUCTS,
                    json!({"query": query, "limit": 5}),
                    0,
                )
                .await
                {
                    ToolOutcome::Ok(found) => {
                        facts.add_json(&found);
                        let products = found["products"].as_array().cloned().unwrap_or_default();
                        if products.is_empty() {
                            vec![ResponsePart::Text {
                                text: fill(p.no_results, &[("q", &query)]),
                            }]
                        } else {
                            state.pending = None;
                            show_products(&products, p, &mut state)
                        }
                    }
                    _ => vec![ResponsePart::Text {
                        text: p.trouble.to_owned(),
                    }],
                }
            }
            Intent::Pick { index, quantity } => {
                let item = state.shown[index - 1].clone();
                let text = fill(
                    p.confirm,
                    &[
                        ("qty", &quantity.to_string()),
                        ("name", &item.name),
                        ("price", &item.price),
                    ],
                );
                state.pending = Some(Pending { item, quantity });
                vec![ResponsePart::Buttons {
                    text,
                    buttons: vec![
                        Button {
                            id: "confirm:yes".into(),
                            title: p.yes_no.0.into(),
                        },
                        Button {
                            id: "confirm:no".into(),
                            title: p.yes_no.1.into(),
                        },
                    ],
                }]
            }
            Intent::No => {
                state.pending = None;
                vec![ResponsePart::Text {
                    text: p.declined.to_owned(),
                }]
            }
            Intent::Yes => match state.pending.take() {
                None => vec![ResponsePart::Text {
                    text: p.what_do_you_need.to_owned(),
                }],
                Some(pending) => {
                    let args = json!({"items": [{
                        "product_id": pending.item.product_id,
                        "variant_id": pending.item.variant_id,
                        "quantity": pending.quantity,
                    }]});
                    match call(
                        ctx,
                        &self.metrics,
                        &mut result,
                        tools::CREATE_ORDER,
                        args,
                        0,
                    )
                    .await
                    {
                        ToolOutcome::Ok(order) if order["placed"] == true => {
                            facts.add_json(&order);
                            result.orders_placed += 1;
                            state.shown.clear();
                            vec![ResponsePart::Text {
                                text: order_lines(&order, p),
                            }]
                        }
                        ToolOutcome::Ok(refused) => vec![ResponsePart::Text {
                            text: fill(
                                p.refused,
                                &[("message", refused["message"].as_str().unwrap_or("?"))],
                            ),
                        }],
                        ToolOutcome::Error(e) => vec![ResponsePart::Text {
                            text: fill(p.refused, &[("message", &e)]),
                        }],
                        ToolOutcome::Escalated { .. } => vec![ResponsePart::Text {
                            text: p.trouble.to_owned(),
                        }],
                    }
                }
            },
            Intent::OrderStatus => match call(
                ctx,
                &self.metrics,
                &mut result,
                tools::GET_CUSTOMER_ORDERS,
                json!({}),
                0,
            )
            .await
            {
                ToolOutcome::Ok(found) => {
                    facts.add_json(&found);
                    let orders = found["orders"].as_array().cloned().unwrap_or_default();
                    if orders.is_empty() {
                        vec![ResponsePart::Text {
                            text: p.no_orders.to_owned(),
                        }]
                    } else {
                        let mut lines = vec![p.your_orders.to_owned()];
                        for order in orders.iter().take(5) {
                            lines.push(format!(
                                "• {} — {}",
                                order["order_number"].as_str().unwrap_or("?"),
                                order["status"].as_str().unwrap_or("?")
                            ));
                        }
                        vec![ResponsePart::Text {
                            text: lines.join("\n"),
                        }]
                    }
                }
                _ => vec![ResponsePart::Text {
                    text: p.trouble.to_owned(),
                }],
            },
        };
        // The offline brain only quotes tool results, but it goes through the
        // same guard as any brain.
        let text = super::parts_text(&parts);
        let unbacked = crate::domain::guard::check(&text, &facts);
        if !unbacked.is_empty() {
            result.guard_interventions += 1;
            tracing::error!(figures = ?unbacked, "offline brain stated unbacked figures");
        }
        result.transcript.push(Message::assistant(text, Vec::new()));
        result.parts = parts;
        result.state = serde_json::to_value(&state).ok();
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(n: usize) -> OfflineState {
        OfflineState {
            shown: (1..=n)
                .map(|i| Shown {
                    product_id: format!("p{i}"),
                    variant_id: None,
                    name: format!("Item {i}"),
                    price: "1.00 EUR".into(),
                })
                .collect(),
            pending: None,
        }
    }

    #[test]
    fn shopper_words_become_intents() {
        let empty = OfflineState::default();
        assert_eq!(understand("Hola!", None, &empty), Intent::Greeting);
        assert_eq!(
            understand("quiero zapatillas rojas", None, &empty),
            Intent::Search("zapatillas rojas".into())
        );
        assert_eq!(
            understand("where is my order?", None, &empty),
            Intent::OrderStatus
        );
        let three = shown(3);
        assert_eq!(
            understand("2 of 1", None, &three),
            Intent::Pick {
                index: 1,
                quantity: 2
            }
        );
        assert_eq!(
            understand("2 del 3", None, &three),
            Intent::Pick {
                index: 3,
                quantity: 2
            }
        );
        assert_eq!(
            understand("the second one", None, &three),
            Intent::Pick {
                index: 2,
                quantity: 1
            }
        );
        assert_eq!(
            understand("2", None, &three),
            Intent::Pick {
                index: 2,
                quantity: 1
            }
        );
        assert_eq!(
            understand("x", Some("pick:3"), &three),
            Intent::Pick {
                index: 3,
                quantity: 1
            }
        );
        assert_eq!(
            understand("9 of 9", None, &three),
            Intent::Search("9 of 9".into()),
            "out of range picks are not picks"
        );
    }

    #[test]
    fn yes_and_no_only_count_while_an_order_waits() {
        let mut state = shown(1);
        assert_eq!(understand("sí", None, &state), Intent::Greeting);
        state.pending = Some(Pending {
            item: state.shown[0].clone(),
            quantity: 1,
        });
        assert_eq!(understand("sí", None, &state), Intent::Yes);
        assert_eq!(understand("no, mejor no", None, &state), Intent::No);
        assert_eq!(understand("", Some("confirm:yes"), &state), Intent::Yes);
    }
}
