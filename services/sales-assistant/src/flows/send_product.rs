//! The owner sends a product's card to the shopper: the catalog confirms
//! the product (id, name) and the reply carries a `products` part, sent
//! and recorded like any reply of theirs (`reply_as_human::send_as_human`).

use store_events::data::ResponsePart;

use super::{
    Actor, Handoffs,
    find_products::{product_by_id, visible_conversation},
    reply_as_human::send_as_human,
};
use crate::error::ApiError;

/// `actor` sends product `product_id`'s card in `conversation`; its `seq`.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation, product_id))]
pub async fn send_product(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
    product_id: &str,
) -> Result<i32, ApiError> {
    let conv = visible_conversation(inbox, actor, conversation).await?;
    // Refused before asking the catalog when they may not send.
    super::claim::check_may_send(inbox, actor, conversation).await?;
    let product = product_by_id(inbox, actor, &conv, product_id)
        .await?
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "The catalog of {} has no product {product_id}",
                conv.brand
            ))
        })?;
    let text = format!("{} — {}", product.name, product.price);
    let parts = vec![ResponsePart::Products {
        text: Some(text.clone()),
        product_ids: vec![product.id.clone()],
    }];
    send_as_human(inbox, actor, conversation, parts, &text).await
}
