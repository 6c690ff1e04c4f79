//! What a signed-in seller does to a conversation from its page: claim,
//! take over, release, transfer, hand back, reply, ask for a draft, search
//! the catalog, send a product, place and cancel orders. Each hands over
//! to its flow (`crate::flows`).
//!
//! Every route needs [`SignedIn`]; a conversation of another tenant, or of
//! a brand the seller may not work, is 404 (never 403). Bodies are JSON or
//! a urlencoded form with the same fields (the CSRF guard checks the token
//! before any of this runs). A request whose `Accept` includes
//! `application/json` (the page's script) gets JSON: 200 with the action's
//! result, or the API error `{code, detail}` whose detail is a sentence
//! for the person; any other (a plain form) gets `303 See Other` back to
//! the conversation with a flash message saying what happened.

use axum::{
    Json, Router,
    extract::{FromRequest, Path, Request, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};
use store_events::data::ResponsePart;
use tower_sessions::Session;
use uuid::Uuid;

use super::{Flash, PageError, see_other, set_flash};
use crate::{
    domain::input::{ReplyText, parse_note},
    error::ApiError,
    flows::{
        Actor,
        cancel_order::cancel_order,
        claim::claim,
        create_order::{Item, create_order},
        draft_reply::draft_reply,
        find_products::find_products,
        hand_back::hand_back,
        release::release,
        reply_as_human::send_as_human,
        send_product::send_product,
        take_over::take_over,
        transfer::transfer,
    },
    http::{AppState, extract::QueryParams, pages::session::SignedIn},
};

/// The actions' routes (merged by `http::router`).
pub fn router() -> Router<AppState> {
    let base = "/inbox/conversations/{conversation}";
    Router::new()
        .route(&format!("{base}/claim"), post(claim_action))
        .route(&format!("{base}/take-over"), post(take_over_action))
        .route(&format!("{base}/release"), post(release_action))
        .route(&format!("{base}/transfer"), post(transfer_action))
        .route(&format!("{base}/hand-back"), post(hand_back_action))
        .route(&format!("{base}/reply"), post(reply_action))
        .route(&format!("{base}/draft"), post(draft_action))
        .route(&format!("{base}/products"), get(products_action))
        .route(&format!("{base}/send-product"), post(send_product_action))
        .route(&format!("{base}/orders"), post(order_action))
        .route(
            &format!("{base}/orders/{{number}}/cancel"),
            post(cancel_action),
        )
}

/// The path of a conversation's page (its id percent-encoded).
pub fn conversation_path(conversation: &str) -> String {
    format!("/inbox/conversations/{}", encode_segment(conversation))
}

/// `text` as one path segment: unreserved characters (and `:`, `@`) kept,
/// every other byte percent-encoded.
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The signed-in seller as the flows see them.
fn actor(signed_in: &SignedIn) -> Actor<'_> {
    Actor {
        tenant: &signed_in.tenant,
        account: signed_in.account_id,
        name: &signed_in.name,
        brands: (!signed_in.is_owner()).then_some(signed_in.brands.as_slice()),
    }
}

/// Whether the request asked for JSON (the page's script).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// What an action did: the script's JSON and the form's flash message.
struct Done {
    body: Value,
    flash: String,
}

/// The answer to an action on `conversation`: JSON for a script; for a
/// form, back to the conversation with a flash (a conversation it may not
/// see is the 404 page).
async fn answer(
    headers: &HeaderMap,
    session: &Session,
    conversation: &str,
    result: Result<Done, ApiError>,
) -> Response {
    if wants_json(headers) {
        return match result {
            Ok(done) => Json(done.body).into_response(),
            Err(error) => error.into_response(),
        };
    }
    let flash = match result {
        Ok(done) => Flash::info(done.flash),
        Err(ApiError::NotFound(_)) => return PageError::NotFound.into_response(),
        Err(error) => {
            // Logged as the JSON answer would be.
            if let ApiError::Internal(cause) = &error {
                tracing::error!(error = format!("{cause:#}"), "action failed");
            }
            Flash::error(error.to_string())
        }
    };
    if let Err(error) = set_flash(session, flash).await {
        return error.into_response();
    }
    see_other(&conversation_path(conversation))
}

/// A JSON or urlencoded-form body.
pub struct ActionBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for ActionBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            axum::Form::<T>::from_request(request, state)
                .await
                .map(|axum::Form(value)| Self(value))
                .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
        } else if content_type.starts_with("application/json") {
            Json::<T>::from_request(request, state)
                .await
                .map(|Json(value)| Self(value))
                .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
        } else {
            Ok(Self(T::default()))
        }
    }
}

async fn claim_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let result = claim(&state.inbox, &actor(&signed_in), &conversation)
        .await
        .map(|()| Done {
            body: json!({"ok": true}),
            flash: "The conversation is yours: the shopper is waiting for you".to_owned(),
        });
    answer(&headers, &session, &conversation, result).await
}

async fn take_over_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let result = take_over(&state.inbox, &actor(&signed_in), &conversation)
        .await
        .map(|()| Done {
            body: json!({"ok": true}),
            flash: "You took the conversation over: the AI seller is silent now".to_owned(),
        });
    answer(&headers, &session, &conversation, result).await
}

async fn release_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let result = release(&state.inbox, &actor(&signed_in), &conversation)
        .await
        .map(|()| Done {
            body: json!({"ok": true}),
            flash: "Released: the conversation is back in the queue".to_owned(),
        });
    answer(&headers, &session, &conversation, result).await
}

#[derive(Deserialize, Default)]
struct TransferBody {
    #[serde(default)]
    to: String,
}

async fn transfer_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
    body: Result<ActionBody<TransferBody>, ApiError>,
) -> Response {
    let result = async {
        let ActionBody(body) = body?;
        let to: Uuid = body.to.trim().parse().map_err(|_| {
            ApiError::BadRequest("Choose the seller to give the conversation to".to_owned())
        })?;
        let name = transfer(&state.inbox, &actor(&signed_in), &conversation, to).await?;
        Ok(Done {
            body: json!({"ok": true}),
            flash: format!("The conversation is now {name}'s"),
        })
    }
    .await;
    answer(&headers, &session, &conversation, result).await
}

#[derive(Deserialize, Default)]
struct HandBackBody {
    #[serde(default)]
    note: Option<String>,
}

async fn hand_back_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
    body: Result<ActionBody<HandBackBody>, ApiError>,
) -> Response {
    let result = async {
        let ActionBody(body) = body?;
        let note = parse_note(body.note.as_deref())
            .map_err(|e| ApiError::BadRequest(format!("The note is not valid: {e}")))?;
        hand_back(
            &state.inbox,
            &actor(&signed_in),
            &conversation,
            note.as_deref(),
        )
        .await?;
        Ok(Done {
            body: json!({"ok": true}),
            flash: "Handed back: the AI seller answers the shopper again".to_owned(),
        })
    }
    .await;
    answer(&headers, &session, &conversation, result).await
}

#[derive(Deserialize, Default)]
struct ReplyBody {
    #[serde(default)]
    text: String,
}

async fn reply_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
    body: Result<ActionBody<ReplyBody>, ApiError>,
) -> Response {
    let result = async {
        let ActionBody(body) = body?;
        let text = ReplyText::parse(&body.text).map_err(|e| {
            ApiError::BadRequest(match e.to_string().as_str() {
                "text is empty" => "Write a reply first".to_owned(),
                _ => "The reply is too long: at most 4096 characters".to_owned(),
            })
        })?;
        let parts = vec![ResponsePart::Text {
            text: text.as_str().to_owned(),
        }];
        let seq = send_as_human(
            &state.inbox,
            &actor(&signed_in),
            &conversation,
            parts,
            text.as_str(),
        )
        .await?;
        Ok(Done {
            body: json!({"ok": true, "seq": seq}),
            flash: "Reply sent".to_owned(),
        })
    }
    .await;
    answer(&headers, &session, &conversation, result).await
}

async fn draft_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let result = draft_reply(&state.inbox, &actor(&signed_in), &conversation)
        .await
        .map(|draft| Done {
            flash: format!("Suggested reply: {}", draft.text),
            body: json!({"text": draft.text, "source": draft.source}),
        });
    answer(&headers, &session, &conversation, result).await
}

#[derive(Deserialize, Default)]
struct ProductsQuery {
    #[serde(default)]
    q: String,
}

async fn products_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    QueryParams(query): QueryParams<ProductsQuery>,
) -> Response {
    match find_products(&state.inbox, &actor(&signed_in), &conversation, &query.q).await {
        Ok(products) => Json(json!({ "products": products })).into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize, Default)]
struct SendProductBody {
    #[serde(default)]
    product_id: String,
}

async fn send_product_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
    body: Result<ActionBody<SendProductBody>, ApiError>,
) -> Response {
    let result = async {
        let ActionBody(body) = body?;
        let product_id = body.product_id.trim();
        if product_id.is_empty() {
            return Err(ApiError::BadRequest("Choose a product to send".to_owned()));
        }
        let seq = send_product(&state.inbox, &actor(&signed_in), &conversation, product_id).await?;
        Ok(Done {
            body: json!({"ok": true, "seq": seq}),
            flash: "Product sent".to_owned(),
        })
    }
    .await;
    answer(&headers, &session, &conversation, result).await
}

/// An order: `{"items": [{"product_id", "variant_id"?, "quantity"}]}` from
/// a script, or a form with one line (`product_id`, `variant_id`,
/// `quantity`). No price: the shop's.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OrderBody {
    #[serde(default)]
    items: Vec<OrderItemBody>,
    #[serde(default)]
    product_id: Option<String>,
    #[serde(default)]
    variant_id: Option<String>,
    #[serde(default)]
    quantity: Option<u32>,
    /// The CSRF field of a form.
    #[serde(default)]
    csrf: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderItemBody {
    product_id: String,
    #[serde(default)]
    variant_id: Option<String>,
    quantity: u32,
}

async fn order_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    session: Session,
    body: Result<ActionBody<OrderBody>, ApiError>,
) -> Response {
    let result = async {
        let ActionBody(body) = body?;
        let _ = body.csrf;
        let mut items: Vec<Item> = body
            .items
            .into_iter()
            .map(|i| Item {
                product_id: i.product_id,
                variant_id: i.variant_id.filter(|v| !v.trim().is_empty()),
                quantity: i.quantity,
            })
            .collect();
        if let Some(product_id) = body.product_id {
            items.push(Item {
                product_id,
                variant_id: body.variant_id.filter(|v| !v.trim().is_empty()),
                quantity: body.quantity.unwrap_or(1),
            });
        }
        let order = create_order(&state.inbox, &actor(&signed_in), &conversation, &items).await?;
        Ok(Done {
            flash: format!("Order {} placed: {}", order.number, order.total),
            body: json!({ "order": order }),
        })
    }
    .await;
    answer(&headers, &session, &conversation, result).await
}

async fn cancel_action(
    signed_in: SignedIn,
    State(state): State<AppState>,
    Path((conversation, number)): Path<(String, String)>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let result = cancel_order(&state.inbox, &actor(&signed_in), &conversation, &number)
        .await
        .map(|cancelled| {
            let outcome = serde_json::to_value(cancelled.outcome).unwrap_or(Value::Null);

            let flash = match outcome.as_str() {
                Some("cancelled") => format!("Order {number} cancelled"),
                Some("already_cancelled") => format!("Order {number} was already cancelled"),
                Some("not_cancellable") => format!("Order {number} can no longer be cancelled"),
                _ => format!("There is no order {number}"),
            };
            Done {
                body: serde_json::to_value(&cancelled).unwrap_or(Value::Null),
                flash,
            }
        });
    answer(&headers, &session, &conversation, result).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_are_percent_encoded_in_paths() {
        assert_eq!(
            conversation_path("wa:100:ana"),
            "/inbox/conversations/wa:100:ana"
        );
        assert_eq!(
            conversation_path("web/1 2?x"),
            "/inbox/conversations/web%2F1%202%3Fx"
        );
    }
}
