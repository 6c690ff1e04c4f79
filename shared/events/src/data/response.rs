//! `store.chat.response`: a reply for a shopper, channel-agnostic; the gateway
//! renders each part for the channel (WhatsApp interactive messages, Telegram
//! inline keyboards, plain text where a channel lacks a feature).

use serde::{Deserialize, Serialize};

use super::common::Channel;
use crate::EventData;

/// Most buttons one [`ResponsePart::Buttons`] part may carry (WhatsApp's
/// limit for reply buttons).
pub const MAX_BUTTONS: usize = 3;

/// Most cards one [`ResponsePart::ProductCards`] part may carry (WhatsApp's
/// limit for the rows of a list message, which carries the picks there).
pub const MAX_CARDS: usize = 10;

/// `store.chat.response`: what to say to a shopper. The conversation, tenant
/// and brand are in the event's extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// Channel to answer on.
    pub channel: Channel,
    /// The shopper's customer id (see [`super::common::Customer::id`]).
    pub recipient: String,
    /// Channel message id of the shopper message this answers, to quote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_message_id: Option<String>,
    /// Who wrote the reply.
    pub sender: Sender,
    /// The reply, in order; at least one part. Each part is sent as one
    /// channel message.
    pub parts: Vec<ResponsePart>,
}

impl EventData for ChatResponse {
    const TYPE: &'static str = "store.chat.response";
}

/// Author of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    /// The brand's AI seller.
    Ai,
    /// A human seller.
    Human,
    /// The platform itself (an error notice, an order update).
    System,
}

/// One piece of a reply, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResponsePart {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
    /// Text with up to [`MAX_BUTTONS`] quick-reply buttons.
    Buttons {
        /// Text above the buttons.
        text: String,
        /// The buttons, 1 to [`MAX_BUTTONS`].
        buttons: Vec<Button>,
    },
    /// Text with a menu of rows grouped in sections.
    List {
        /// Text above the menu.
        text: String,
        /// Label of the button that opens the menu.
        button_label: String,
        /// The sections, at least one.
        sections: Vec<ListSection>,
    },
    /// A picture.
    Image {
        /// Public HTTPS URL of the picture.
        url: String,
        /// Caption under it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// Product cards; the gateway looks the products up in the catalog and
    /// renders them (a WhatsApp product list, a photo per product…).
    Products {
        /// Text above the cards.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// Catalog product ids, at least one.
        product_ids: Vec<String>,
    },
    /// Products to choose from, each a card with its picture and price.
    /// Unlike [`ResponsePart::Products`] (items of the channel's own
    /// commerce catalogue, looked up by the channel) the cards carry all
    /// they show, and picking one answers like a list row: an interactive
    /// reply with the card's `pick_id`. Channels render it as pictures with
    /// captions followed by the list to pick from, or as the list alone.
    ProductCards {
        /// Text above the cards (what was found, how to pick).
        text: String,
        /// Label of the button that opens the list of the cards.
        button_label: String,
        /// Label of each card's pick button (e.g. "Pick", "Elegir").
        pick_label: String,
        /// The cards, 1 to [`MAX_CARDS`], in the order shown.
        cards: Vec<ProductCard>,
    },
}

/// One product of a [`ResponsePart::ProductCards`] part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductCard {
    /// Id returned when the card is picked, as a list row's id.
    pub pick_id: String,
    /// Product name (with its variant).
    pub title: String,
    /// Its price as the seller shows it, formatted from the catalog's price
    /// (never from a model's text).
    pub price_display: String,
    /// Public URL of its picture; a card without one is shown as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Smaller text under the title (e.g. availability).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ResponsePart {
    /// What the part says to the shopper as text (a card's caption lines
    /// after the part's text); `None` for a picture without a caption.
    pub fn text(&self) -> Option<String> {
        match self {
            ResponsePart::Text { text }
            | ResponsePart::Buttons { text, .. }
            | ResponsePart::List { text, .. } => Some(text.clone()),
            ResponsePart::Image { caption, .. } => caption.clone(),
            ResponsePart::Products { text, .. } => text.clone(),
            ResponsePart::ProductCards { text, cards, .. } => Some(
                std::iter::once(text.clone())
                    .chain(cards.iter().map(ProductCard::caption))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }
}

/// The text of `parts`, one part per line ([`ResponsePart::text`]).
pub fn parts_text(parts: &[ResponsePart]) -> String {
    parts
        .iter()
        .filter_map(ResponsePart::text)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ProductCard {
    /// The caption under its picture: `title — price`.
    pub fn caption(&self) -> String {
        format!("{} — {}", self.title, self.price_display)
    }
}

/// A quick-reply button. Tapping it comes back as
/// [`super::chat::MessageContent::InteractiveReply`] with this id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Button {
    /// Id returned when tapped.
    pub id: String,
    /// Label shown.
    pub title: String,
}

/// A titled group of rows in a list menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSection {
    /// Section heading.
    pub title: String,
    /// The rows, at least one.
    pub rows: Vec<ListRow>,
}

/// One choice in a list menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRow {
    /// Id returned when chosen.
    pub id: String,
    /// Label shown.
    pub title: String,
    /// Smaller text under the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `store.chat.delivery`: what became of one [`ChatResponse`] at the
/// shopper's channel, published by the gateway after it tried to send it
/// (one event per response, after its last part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatDelivery {
    /// Id of the `store.chat.response` event.
    pub response_id: String,
    /// Channel it went to.
    pub channel: Channel,
    /// Sent, or failed for good (after the gateway's retries).
    pub status: DeliveryStatus,
    /// Why it failed, readable by a person (e.g. "more than 24 hours since
    /// the shopper's last message: WhatsApp only takes a template now").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The channel's own error code, when it gave one (WhatsApp `131047`,
    /// Telegram `403`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The channel's id of the (last) message sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_message_id: Option<String>,
}

impl EventData for ChatDelivery {
    const TYPE: &'static str = "store.chat.delivery";
}

/// Outcome of sending a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// The channel accepted every part.
    Sent,
    /// The channel refused it, or it could not be sent after retries.
    Failed,
}
