//! What the platform tells the shopper itself (`sender: system`), in the
//! shopper's language when it is one of en, es, pt, de, fr (English
//! otherwise): a person joined the conversation, or when a person will
//! answer (the brand's local time, or as soon as someone is available).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The languages the notices are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (also any language not below).
    En,
    /// Spanish.
    Es,
    /// Portuguese.
    Pt,
    /// German.
    De,
    /// French.
    Fr,
}

impl Lang {
    /// The notices' language for a BCP 47 tag (`pt-BR` → Portuguese).
    pub fn of(tag: Option<&str>) -> Self {
        let primary = tag
            .unwrap_or("")
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "es" => Self::Es,
            "pt" => Self::Pt,
            "de" => Self::De,
            "fr" => Self::Fr,
            _ => Self::En,
        }
    }
}

/// "<name> from our team joined the conversation".
pub fn joined(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("{name} from our team joined the conversation."),
        Lang::Es => format!("{name}, de nuestro equipo, se ha unido a la conversación."),
        Lang::Pt => format!("{name}, da nossa equipe, entrou na conversa."),
        Lang::De => format!("{name} aus unserem Team ist dem Gespräch beigetreten."),
        Lang::Fr => format!("{name}, de notre équipe, a rejoint la conversation."),
    }
}

/// When a person will answer: at `until` (told in the brand's zone), or
/// as soon as someone is available; meanwhile the AI keeps helping.
pub fn deferred(lang: Lang, until: Option<(DateTime<Utc>, Tz)>) -> String {
    let when = until.map(|(at, zone)| {
        let local = at.with_timezone(&zone);
        (local.format("%d/%m %H:%M").to_string(), zone.name())
    });
    match (lang, when) {
        (Lang::En, Some((at, zone))) => format!(
            "Our team is away right now. A person will answer you from {at} ({zone} time); meanwhile I can keep helping you."
        ),
        (Lang::En, None) => "A person from our team will answer you as soon as someone is available; meanwhile I can keep helping you.".to_owned(),
        (Lang::Es, Some((at, zone))) => format!(
            "Nuestro equipo no está disponible ahora. Una persona te responderá a partir del {at} (hora de {zone}); mientras tanto puedo seguir ayudándote."
        ),
        (Lang::Es, None) => "Una persona de nuestro equipo te responderá en cuanto alguien esté disponible; mientras tanto puedo seguir ayudándote.".to_owned(),
        (Lang::Pt, Some((at, zone))) => format!(
            "Nossa equipe não está disponível agora. Uma pessoa vai te responder a partir de {at} (horário de {zone}); enquanto isso posso continuar te ajudando."
        ),
        (Lang::Pt, None) => "Uma pessoa da nossa equipe vai te responder assim que alguém estiver disponível; enquanto isso posso continuar te ajudando.".to_owned(),
        (Lang::De, Some((at, zone))) => format!(
            "Unser Team ist gerade nicht da. Eine Person antwortet Ihnen ab {at} (Zeit {zone}); bis dahin helfe ich Ihnen gern weiter."
        ),
        (Lang::De, None) => "Eine Person aus unserem Team antwortet Ihnen, sobald jemand verfügbar ist; bis dahin helfe ich Ihnen gern weiter.".to_owned(),
        (Lang::Fr, Some((at, zone))) => format!(
            "Notre équipe n'est pas disponible pour le moment. Une personne vous répondra à partir du {at} (heure de {zone}) ; en attendant je peux continuer à vous aider."
        ),
        (Lang::Fr, None) => "Une personne de notre équipe vous répondra dès que quelqu'un sera disponible ; en attendant je peux continuer à vous aider.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_shoppers_language_or_english() {
        assert_eq!(Lang::of(Some("pt-BR")), Lang::Pt);
        assert_eq!(Lang::of(Some("ES")), Lang::Es);
        assert_eq!(Lang::of(Some("ja")), Lang::En);
        assert_eq!(Lang::of(None), Lang::En);
        assert_eq!(
            joined(Lang::Es, "Ana"),
            "Ana, de nuestro equipo, se ha unido a la conversación."
        );
    }

    #[test]
    fn the_deferral_tells_the_brands_local_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-14T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = deferred(Lang::En, Some((at, chrono_tz::Europe::Madrid)));
        assert!(text.contains("14/12 09:00 (Europe/Madrid time)"), "{text}");
        assert!(deferred(Lang::Pt, None).contains("assim que alguém estiver disponível"));
    }
}
