//! What the seller makes of a shopper's message that is not plain text: a
//! picture, sticker, voice note, location, contact card, file or a message
//! of nothing but emoji. Pure: [`read`] says whether the message is text to
//! answer (a caption is the message), a voice note to transcribe, or
//! something a fixed sentence answers; [`sentence`] is that sentence in the
//! shopper's language, [`memory`] what the conversation's memory keeps of
//! it. No internal placeholder is ever a reply: the memory's descriptions
//! ("[the shopper sent a sticker]") are for the model and the human
//! sellers, never sent.
//!
//! Emoji-only text ("👍", "❤️❤️") is not a product search: it gets the
//! friendly question a sticker gets. An approving emoji (👍, 👌, ✅, 🆗)
//! is [`Approval`]: the caller treats it as "yes" while an order waits for
//! the shopper's confirmation (see `flows::shopper_input`).

use store_events::data::{MediaKind, MessageContent};

use super::persona::Persona;

/// What a shopper's message is, for answering it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Text for the brain: typed, a caption, a tapped button or list row
    /// (its id), a reaction's emoji.
    Text {
        /// The text.
        text: String,
        /// The id of a tapped button or row.
        reply_id: Option<String>,
    },
    /// Nothing but emoji; [`Approval`] says whether they approve.
    Emoji(String),
    /// A voice note (or audio) without a caption: transcribe `media_id`.
    Voice {
        /// The channel's media id, when it gave one.
        media_id: Option<String>,
        /// Its MIME type, when the channel told it.
        mime_type: Option<String>,
    },
    /// Answered with a fixed sentence.
    Fixed(Fixed),
}

/// Messages a fixed sentence answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Fixed {
    /// A picture without a caption.
    Image,
    /// A video without a caption.
    Video,
    /// A file without a caption (its name, if any).
    Document(Option<String>),
    /// A sticker.
    Sticker,
    /// Nothing but emoji (the emoji).
    Emoji(String),
    /// A shared location, as the shopper would name it.
    Location(String),
    /// Shared contact cards (their names).
    Contacts(Vec<String>),
    /// A kind of message the channel's API does not let us read.
    Unsupported(String),
    /// A voice note that could not be turned into text.
    Voice,
}

/// Whether emoji approve ("👍" while an order waits means yes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval(pub bool);

/// Reads `content` (see [`Reading`]).
pub fn read(content: &MessageContent) -> Reading {
    match content {
        MessageContent::Text { text } if is_emoji_only(text) => Reading::Emoji(text.trim().into()),
        MessageContent::Text { text } => Reading::Text {
            text: text.clone(),
            reply_id: None,
        },
        MessageContent::InteractiveReply {
            reply_id, title, ..
        } => Reading::Text {
            text: title.clone(),
            reply_id: Some(reply_id.clone()),
        },
        MessageContent::Reaction { emoji, .. } => Reading::Text {
            text: emoji.clone().unwrap_or_default(),
            reply_id: None,
        },
        MessageContent::Media {
            caption: Some(caption),
            ..
        } if !caption.trim().is_empty() => read(&MessageContent::Text {
            text: caption.clone(),
        }),
        MessageContent::Media {
            media_kind,
            media_id,
            mime_type,
            filename,
            ..
        } => match media_kind {
            MediaKind::Voice | MediaKind::Audio => Reading::Voice {
                media_id: media_id.clone(),
                mime_type: mime_type.clone(),
            },
            MediaKind::Image => Reading::Fixed(Fixed::Image),
            MediaKind::Video => Reading::Fixed(Fixed::Video),
            MediaKind::Document => Reading::Fixed(Fixed::Document(filename.clone())),
            MediaKind::Sticker => Reading::Fixed(Fixed::Sticker),
        },
        MessageContent::Location {
            name,
            address,
            latitude,
            longitude,
        } => {
            let named: Vec<&str> = [name.as_deref(), address.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            Reading::Fixed(Fixed::Location(if named.is_empty() {
                format!("{latitude:.5}, {longitude:.5}")
            } else {
                named.join(", ")
            }))
        }
        MessageContent::Contacts { contacts } => Reading::Fixed(Fixed::Contacts(
            contacts.iter().map(|c| c.name.clone()).collect(),
        )),
        MessageContent::Unsupported { original_kind, .. } => {
            Reading::Fixed(Fixed::Unsupported(original_kind.clone()))
        }
    }
}

/// Whether `c` draws an emoji (or is part of one: joiners, variation
/// selectors, skin tones, keycaps, flag tags).
fn is_emoji_char(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF // pictographs, emoticons, transport, flags, skin tones
        | 0x2600..=0x27BF // miscellaneous symbols, dingbats (❤ ✅ ✨)
        | 0x2B00..=0x2BFF // stars, squares (⭐ ⬛)
        | 0x2300..=0x23FF // technical (⌚ ⏰)
        | 0x2190..=0x21FF // arrows
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE | 0x2122 | 0x2139
        | 0x200D | 0xFE0E | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F)
}

/// Whether `c` is only part of an emoji, never one on its own.
fn is_emoji_part(c: char) -> bool {
    matches!(c as u32, 0x200D | 0xFE0E | 0xFE0F | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F)
}

/// Whether `text` is nothing but emoji (and spaces or punctuation): at least
/// one emoji, no letter or digit.
pub fn is_emoji_only(text: &str) -> bool {
    let mut some = false;
    for c in text.chars() {
        if is_emoji_char(c) {
            some |= !is_emoji_part(c);
        } else if !(c.is_whitespace() || c.is_ascii_punctuation()) {
            return false;
        }
    }
    some
}

/// Whether emoji-only `text` approves: thumbs up (any skin tone), OK hand,
/// check marks, 🆗, and nothing else but hearts or sparkles around them.
pub fn approves(text: &str) -> Approval {
    const YES: &[char] = &['👍', '👌', '✅', '✔', '☑', '🆗', '🙆'];
    let approving = text.chars().any(|c| YES.contains(&c));
    let dissenting = text
        .chars()
        .any(|c| ['👎', '❌', '✖', '🚫', '🙅'].contains(&c));
    Approval(approving && !dissenting)
}

/// The seller's sentences about media, in one language.
struct Sentences {
    image: &'static str,
    video: &'static str,
    document: &'static str,
    sticker: &'static str,
    location: &'static str,
    we_deliver: &'static str,
    what_do_you_need: &'static str,
    contacts: &'static str,
    unsupported: &'static str,
    voice: &'static str,
}

/// The sentences for the BCP 47 tag `lang` (`es`, `pt-BR`…); English for a
/// language without its own.
fn sentences(lang: &str) -> &'static Sentences {
    match lang.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("es") => &ES,
        Some("pt") => &PT,
        Some("fr") => &FR,
        Some("de") => &DE,
        Some("it") => &IT,
        _ => &EN,
    }
}

/// What the seller says to `fixed`, in `lang` (a BCP 47 tag); a location is
/// answered with where `persona`'s shop delivers, when it says.
pub fn sentence(fixed: &Fixed, lang: &str, persona: &Persona) -> String {
    let s = sentences(lang);
    match fixed {
        Fixed::Image => s.image.to_owned(),
        Fixed::Video => s.video.to_owned(),
        Fixed::Document(_) => s.document.to_owned(),
        Fixed::Sticker | Fixed::Emoji(_) => s.sticker.to_owned(),
        Fixed::Location(_) => {
            let mut said = s.location.to_owned();
            if !persona.areas().is_empty() {
                said.push(' ');
                said.push_str(&s.we_deliver.replace("{areas}", &persona.areas().join(", ")));
            }
            said.push(' ');
            said.push_str(s.what_do_you_need);
            said
        }
        Fixed::Contacts(_) => s.contacts.to_owned(),
        Fixed::Unsupported(_) => s.unsupported.to_owned(),
        Fixed::Voice => s.voice.to_owned(),
    }
}

/// What the conversation's memory keeps of `fixed`: a description for the
/// model and the human sellers, never sent to the shopper.
pub fn memory(fixed: &Fixed) -> String {
    match fixed {
        Fixed::Image => "[the shopper sent a picture without text]".to_owned(),
        Fixed::Video => "[the shopper sent a video without text]".to_owned(),
        Fixed::Document(Some(name)) => format!("[the shopper sent a file: {name}]"),
        Fixed::Document(None) => "[the shopper sent a file]".to_owned(),
        Fixed::Sticker => "[the shopper sent a sticker]".to_owned(),
        Fixed::Emoji(emoji) => emoji.clone(),
        Fixed::Location(place) => format!("[the shopper shared a location: {place}]"),
        Fixed::Contacts(names) => format!("[the shopper shared a contact: {}]", names.join(", ")),
        Fixed::Unsupported(kind) => format!("[the shopper sent a {kind} message]"),
        Fixed::Voice => "[the shopper sent a voice note that could not be transcribed]".to_owned(),
    }
}

const EN: Sentences = Sentences {
    image: "I can't see images yet — tell me what you're looking for, or send the product's name.",
    video: "I can't watch videos yet — tell me what you're looking for, or send the product's name.",
    document: "I can't open files here — tell me what you're looking for, or send the product's name.",
    sticker: "😊 What are you looking for today? Tell me a product or a category.",
    location: "Thanks for sharing your location!",
    we_deliver: "We deliver to: {areas}.",
    what_do_you_need: "What are you looking for?",
    contacts: "Thanks, I've got the contact. I'm here to help you shop — what are you looking for?",
    unsupported: "I can't open this kind of message — could you tell me in a few words what you're looking for?",
    voice: "Sorry, I can't listen to voice messages right now — could you type what you're looking for?",
};

const ES: Sentences = Sentences {
    image: "Todavía no puedo ver imágenes: dime qué buscas o mándame el nombre del producto.",
    video: "Todavía no puedo ver vídeos: dime qué buscas o mándame el nombre del producto.",
    document: "No puedo abrir archivos aquí: dime qué buscas o mándame el nombre del producto.",
    sticker: "😊 ¿Qué estás buscando hoy? Dime un producto o una categoría.",
    location: "¡Gracias por compartir tu ubicación!",
    we_deliver: "Hacemos envíos a: {areas}.",
    what_do_you_need: "¿Qué estás buscando?",
    contacts: "Gracias, recibí el contacto. Estoy aquí para ayudarte a comprar: ¿qué estás buscando?",
    unsupported: "No puedo abrir este tipo de mensaje: ¿me dices en pocas palabras qué buscas?",
    voice: "Perdona, ahora mismo no puedo escuchar audios: ¿puedes escribirme qué buscas?",
};

const PT: Sentences = Sentences {
    image: "Ainda não consigo ver imagens: diga o que você procura ou mande o nome do produto.",
    video: "Ainda não consigo ver vídeos: diga o que você procura ou mande o nome do produto.",
    document: "Não consigo abrir arquivos aqui: diga o que você procura ou mande o nome do produto.",
    sticker: "😊 O que você procura hoje? Diga um produto ou uma categoria.",
    location: "Obrigado por compartilhar sua localização!",
    we_deliver: "Entregamos em: {areas}.",
    what_do_you_need: "O que você procura?",
    contacts: "Obrigado, recebi o contato. Estou aqui para ajudar você a comprar: o que você procura?",
    unsupported: "Não consigo abrir este tipo de mensagem: pode me dizer em poucas palavras o que você procura?",
    voice: "Desculpe, agora não consigo ouvir áudios: pode escrever o que você procura?",
};

const FR: Sentences = Sentences {
    image: "Je ne peux pas encore voir les images : dites-moi ce que vous cherchez, ou envoyez le nom du produit.",
    video: "Je ne peux pas encore regarder les vidéos : dites-moi ce que vous cherchez, ou envoyez le nom du produit.",
    document: "Je ne peux pas ouvrir de fichiers ici : dites-moi ce que vous cherchez, ou envoyez le nom du produit.",
    sticker: "😊 Que cherchez-vous aujourd'hui ? Dites-moi un produit ou une catégorie.",
    location: "Merci d'avoir partagé votre position !",
    we_deliver: "Nous livrons : {areas}.",
    what_do_you_need: "Que cherchez-vous ?",
    contacts: "Merci, j'ai bien reçu le contact. Je suis là pour vous aider à acheter : que cherchez-vous ?",
    unsupported: "Je ne peux pas ouvrir ce type de message : pouvez-vous me dire en quelques mots ce que vous cherchez ?",
    voice: "Désolé, je ne peux pas écouter les messages vocaux pour le moment : pouvez-vous écrire ce que vous cherchez ?",
};

const DE: Sentences = Sentences {
    image: "Bilder kann ich noch nicht sehen – sagen Sie mir, was Sie suchen, oder schicken Sie den Produktnamen.",
    video: "Videos kann ich noch nicht ansehen – sagen Sie mir, was Sie suchen, oder schicken Sie den Produktnamen.",
    document: "Dateien kann ich hier nicht öffnen – sagen Sie mir, was Sie suchen, oder schicken Sie den Produktnamen.",
    sticker: "😊 Was suchen Sie heute? Nennen Sie mir ein Produkt oder eine Kategorie.",
    location: "Danke für Ihren Standort!",
    we_deliver: "Wir liefern nach: {areas}.",
    what_do_you_need: "Was suchen Sie?",
    contacts: "Danke, den Kontakt habe ich erhalten. Ich helfe Ihnen beim Einkaufen – was suchen Sie?",
    unsupported: "Diese Art von Nachricht kann ich nicht öffnen – sagen Sie mir kurz, was Sie suchen?",
    voice: "Entschuldigung, Sprachnachrichten kann ich gerade nicht anhören – können Sie mir schreiben, was Sie suchen?",
};

const IT: Sentences = Sentences {
    image: "Non riesco ancora a vedere le immagini: dimmi cosa cerchi o mandami il nome del prodotto.",
    video: "Non riesco ancora a vedere i video: dimmi cosa cerchi o mandami il nome del prodotto.",
    document: "Qui non riesco ad aprire i file: dimmi cosa cerchi o mandami il nome del prodotto.",
    sticker: "😊 Cosa stai cercando oggi? Dimmi un prodotto o una categoria.",
    location: "Grazie per aver condiviso la tua posizione!",
    we_deliver: "Consegniamo in: {areas}.",
    what_do_you_need: "Cosa stai cercando?",
    contacts: "Grazie, ho ricevuto il contatto. Sono qui per aiutarti con gli acquisti: cosa stai cercando?",
    unsupported: "Non riesco ad aprire questo tipo di messaggio: mi dici in poche parole cosa cerchi?",
    voice: "Scusa, al momento non posso ascoltare i messaggi vocali: puoi scrivermi cosa cerchi?",
};

#[cfg(test)]
#[path = "media_reply_tests.rs"]
mod tests;
