//! Detecting a shopper who asks for a person, in the languages our shops
//! serve, and the conversation's handoff state.

/// Phrases (lowercase, accents kept) that ask for a human.
const ASKS_FOR_HUMAN: &[&str] = &[
    // English
    "human",
    "real person",
    "a person",
    "someone real",
    "talk to someone",
    "speak to someone",
    "agent please",
    "customer service",
    "representative",
    "operator",
    "manager",
    // Spanish
    "humano",
    "una persona",
    "persona real",
    "hablar con alguien",
    "un agente",
    "asesor",
    "atención al cliente",
    "encargado",
    // Portuguese
    "pessoa real",
    "uma pessoa",
    "falar com alguém",
    "atendente",
    "atendimento humano",
    // French
    "humain",
    "une personne",
    "quelqu'un de réel",
    "parler à quelqu'un",
    "conseiller",
    "service client",
    // German
    "mensch",
    "eine person",
    "einer person",
    "echte person",
    "mit jemandem",
    "mitarbeiter",
    "kundendienst",
    // Italian ("una persona" is in the Spanish list)
    "operatore",
    "un umano",
    "persona vera",
    "persona reale",
    "parlare con qualcuno",
    "assistenza clienti",
];

/// True when `text` asks to talk to a person.
pub fn asks_for_human(text: &str) -> bool {
    let lower = text.to_lowercase();
    ASKS_FOR_HUMAN
        .iter()
        .any(|phrase| contains_phrase(&lower, phrase))
}

/// `phrase` occurs in `text` on word boundaries ("human" in "humans" counts,
/// "human" in "inhumane" does not).
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        before.is_none_or(|c| !c.is_alphanumeric())
    })
}

/// Who is answering a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerer {
    /// The AI seller.
    Ai,
    /// A human seller; the AI stays silent until `store.sales.resolved`.
    Human,
}

impl Answerer {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Answerer::Ai => "ai",
            Answerer::Human => "human",
        }
    }

    /// From the stored form (unknown values mean AI).
    pub fn parse(value: &str) -> Self {
        if value == "human" {
            Answerer::Human
        } else {
            Answerer::Ai
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_a_person_are_recognized_in_several_languages() {
        for text in [
            "Can I talk to a human?",
            "quiero hablar con una persona",
            "Quero falar com um atendente",
            "Je veux parler à un conseiller",
            "Ich möchte mit einem Mitarbeiter sprechen",
            "HUMAN PLEASE",
            "a person please",
            "una persona, por favor",
            "una persona per favore",
            "eine Person, bitte",
            "Kann ich mit jemandem sprechen?",
            "une personne, s'il vous plaît",
            "je veux parler à un humain",
            "vorrei parlare con un operatore",
        ] {
            assert!(asks_for_human(text), "{text}");
        }
    }

    #[test]
    fn ordinary_messages_are_not_handoff_requests() {
        for text in [
            "I want red sneakers",
            "¿tienen camisetas?",
            "this is inhumane pricing lol",
        ] {
            assert!(!asks_for_human(text), "{text}");
        }
    }
}
