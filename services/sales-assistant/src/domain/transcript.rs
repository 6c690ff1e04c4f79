//! Who wrote a transcript message, and how a shopper's message of any kind
//! reads as one line of text for the human seller.

use store_events::data::{MessageContent, ResponsePart, Role, Sender};

/// Author of a transcript message (`from` in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The shopper.
    Shopper,
    /// The AI seller (or the platform speaking for it).
    Ai,
    /// A human seller.
    Human,
}

impl Author {
    /// The stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shopper => "shopper",
            Self::Ai => "ai",
            Self::Human => "human",
        }
    }

    /// The author of a message of an escalation's `last_messages`. The
    /// platform's own messages (order updates) were said on the seller's
    /// side of the conversation, so they count as the AI's.
    pub fn of_role(role: Role) -> Self {
        match role {
            Role::Customer => Self::Shopper,
            Role::Ai | Role::System => Self::Ai,
            Role::Human => Self::Human,
        }
    }

    /// The author of a `store.chat.response`.
    pub fn of_sender(sender: Sender) -> Self {
        match sender {
            Sender::Ai | Sender::System => Self::Ai,
            Sender::Human => Self::Human,
        }
    }
}

/// A shopper's message as text: the text itself, or a short description
/// of media, places, contacts, taps and reactions.
pub fn content_text(content: &MessageContent) -> String {
    match content {
        MessageContent::Text { text } => text.clone(),
        MessageContent::Media {
            media_kind,
            caption,
            filename,
            ..
        } => {
            let kind = serde_json::to_value(media_kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "media".to_owned());
            let detail = caption.as_deref().or(filename.as_deref());
            match detail {
                Some(detail) => format!("[{kind}] {detail}"),
                None => format!("[{kind}]"),
            }
        }
        MessageContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            let place = [name.as_deref(), address.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            if place.is_empty() {
                format!("[location] {latitude}, {longitude}")
            } else {
                format!("[location] {place} ({latitude}, {longitude})")
            }
        }
        MessageContent::Contacts { contacts } => {
            let cards = contacts
                .iter()
                .map(|c| match c.phones.first() {
                    Some(phone) => format!("{} {phone}", c.name),
                    None => c.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ");
            format!("[contacts] {cards}")
        }
        MessageContent::InteractiveReply { title, .. } => format!("[tapped] {title}"),
        MessageContent::Reaction { emoji, .. } => match emoji {
            Some(emoji) => format!("[reaction] {emoji}"),
            None => "[reaction removed]".to_owned(),
        },
        MessageContent::Unsupported { original_kind, .. } => {
            format!("[unsupported {original_kind} message]")
        }
    }
}

/// A reply's parts as one text.
pub fn parts_text(parts: &[ResponsePart]) -> String {
    parts
        .iter()
        .map(|part| match part {
            ResponsePart::Text { text }
            | ResponsePart::Buttons { text, .. }
            | ResponsePart::List { text, .. } => text.clone(),
            ResponsePart::Image { url, caption } => match caption {
                Some(caption) => format!("[image] {caption}"),
                None => format!("[image] {url}"),
            },
            ResponsePart::Products { text, product_ids } => text
                .clone()
                .unwrap_or_else(|| format!("[products] {}", product_ids.join(", "))),
            ResponsePart::ProductCards { text, cards, .. } => {
                let mut lines = vec![text.clone()];
                lines.extend(cards.iter().map(|c| match &c.image_url {
                    Some(url) => format!("[product] {} {url}", c.caption()),
                    None => format!("[product] {}", c.caption()),
                }));
                lines.join("\n")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use store_events::data::{MediaKind, SharedContact};

    use super::*;

    #[test]
    fn text_reads_as_itself() {
        let content = MessageContent::Text {
            text: "where is my order?".to_owned(),
        };

        assert_eq!(content_text(&content), "where is my order?");
    }

    #[test]
    fn media_places_and_contacts_read_as_a_short_description() {
        let photo = MessageContent::Media {
            media_kind: MediaKind::Image,
            media_id: Some("m1".to_owned()),
            url: None,
            mime_type: None,
            caption: Some("this one is torn".to_owned()),
            filename: None,
        };
        let place = MessageContent::Location {
            latitude: -23.5,
            longitude: -46.6,
            name: Some("Home".to_owned()),
            address: None,
        };
        let card = MessageContent::Contacts {
            contacts: vec![SharedContact {
                name: "Ana".to_owned(),
                phones: vec!["+5511988887777".to_owned()],
            }],
        };

        assert_eq!(content_text(&photo), "[image] this one is torn");
        assert_eq!(content_text(&place), "[location] Home (-23.5, -46.6)");
        assert_eq!(content_text(&card), "[contacts] Ana +5511988887777");
    }

    #[test]
    fn the_platform_speaks_on_the_sellers_side() {
        assert_eq!(Author::of_role(Role::Customer), Author::Shopper);
        assert_eq!(Author::of_role(Role::System), Author::Ai);
        assert_eq!(Author::of_sender(Sender::Human), Author::Human);
        assert_eq!(Author::of_sender(Sender::System), Author::Ai);
    }

    #[test]
    fn product_cards_read_as_their_text_and_one_line_per_card() {
        let parts = [ResponsePart::ProductCards {
            text: "Found:".to_owned(),
            button_label: "See".to_owned(),
            pick_label: "Pick".to_owned(),
            cards: vec![store_events::data::ProductCard {
                pick_id: "pick:1".to_owned(),
                title: "Tee".to_owned(),
                price_display: "BRL 10.00".to_owned(),
                image_url: Some("https://c/images/demo/T.png".to_owned()),
                description: None,
            }],
        }];

        assert_eq!(
            parts_text(&parts),
            "Found:\n[product] Tee — BRL 10.00 https://c/images/demo/T.png"
        );
    }
}
