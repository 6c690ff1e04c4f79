//! The languages the seller has its own sentences in, and their BCP 47
//! tags. Below both the language guess ([`super::language`]) and the term
//! table ([`super::terms`]), which name them.

/// Languages with built-in sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Spanish.
    Es,
    /// Portuguese.
    Pt,
    /// French.
    Fr,
    /// German.
    De,
    /// Italian.
    It,
}

impl Lang {
    /// From a BCP 47 tag (`es`, `pt-BR`…); English otherwise.
    pub fn from_tag(tag: &str) -> Self {
        match tag.get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("es") => Lang::Es,
            Some("pt") => Lang::Pt,
            Some("fr") => Lang::Fr,
            Some("de") => Lang::De,
            Some("it") => Lang::It,
            _ => Lang::En,
        }
    }

    /// Every language, English first.
    pub const ALL: [Lang; 6] = [Lang::En, Lang::Es, Lang::Pt, Lang::Fr, Lang::De, Lang::It];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::It => "it",
        }
    }
}
