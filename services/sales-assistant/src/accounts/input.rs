//! What a person types about an account, parsed once: an email address
//! (the sign-in name, lowercased), a display name, a password (10 to 128
//! characters, kept secret) and a seller's brands (brand ids). Each
//! refusal says what is wrong in words a person can act on.

use secrecy::SecretString;
use store_events::BrandId;

/// Fewest characters of a password.
pub const PASSWORD_MIN: usize = 10;
/// Most characters of a password (argon2 would take more; a limit keeps a
/// request from costing much).
pub const PASSWORD_MAX: usize = 128;
/// Most characters of a display name.
pub const NAME_MAX: usize = 100;
/// Most characters of an email address (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;

/// An email address, trimmed and lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// `text` as an address: something before and after one `@`, no spaces.
    pub fn parse(text: &str) -> Result<Self, String> {
        let email = text.trim().to_lowercase();
        let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        }) && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if email.is_empty() {
            Err("Enter an email address".to_owned())
        } else if email.chars().count() > EMAIL_MAX {
            Err(format!(
                "An email address has at most {EMAIL_MAX} characters"
            ))
        } else if !well_formed {
            Err(format!("{email:?} is not an email address"))
        } else {
            Ok(Self(email))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as the team sees it, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    /// `text` as a name: 1 to 100 characters, no control characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let name = text.trim();
        if name.is_empty() {
            Err("Enter your name".to_owned())
        } else if name.chars().count() > NAME_MAX {
            Err(format!("A name has at most {NAME_MAX} characters"))
        } else if name.chars().any(char::is_control) {
            Err("A name cannot hold control characters".to_owned())
        } else {
            Ok(Self(name.to_owned()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10 to 128 characters, as typed (not trimmed).
pub fn new_password(text: &str) -> Result<SecretString, String> {
    let count = text.chars().count();
    if count < PASSWORD_MIN {
        Err(format!("A password has at least {PASSWORD_MIN} characters"))
    } else if count > PASSWORD_MAX {
        Err(format!("A password has at most {PASSWORD_MAX} characters"))
    } else {
        Ok(SecretString::from(text.to_owned()))
    }
}

/// A seller's brands from a list separated by commas or spaces: each a
/// brand id, each once, in the order given.
pub fn brands(text: &str) -> Result<Vec<String>, String> {
    let mut brands: Vec<String> = Vec::new();
    for item in text
        .split([',', ' ', '\n', '\r', '\t'])
        .filter(|s| !s.is_empty())
    {
        let brand = BrandId::parse(item).map_err(|e| format!("{item:?} is not a brand id: {e}"))?;
        if !brands.iter().any(|b| b == brand.as_str()) {
            brands.push(brand.as_str().to_owned());
        }
    }
    Ok(brands)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn an_email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ana@Shop.TEST ").unwrap().as_str(),
            "ana@shop.test"
        );
    }

    #[test]
    fn an_email_needs_one_at_with_text_on_both_sides() {
        for bad in [
            "",
            "ana",
            "@shop.test",
            "ana@",
            "a@b@c",
            "ana smith@shop.test",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_name_is_trimmed_and_limited() {
        assert_eq!(Name::parse(" Ana ").unwrap().as_str(), "Ana");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"a".repeat(101)).is_err());
        assert!(Name::parse("Ana\u{7}").is_err());
    }

    #[test]
    fn a_password_has_10_to_128_characters() {
        assert!(new_password("123456789").is_err());
        assert_eq!(
            new_password("1234567890").unwrap().expose_secret(),
            "1234567890"
        );
        // Characters, not bytes.
        assert!(new_password(&"é".repeat(128)).is_ok());
        assert!(new_password(&"a".repeat(129)).is_err());
    }

    #[test]
    fn brands_are_brand_ids_each_once() {
        assert_eq!(
            brands("shoes, bags shoes").unwrap(),
            vec!["shoes".to_owned(), "bags".to_owned()]
        );
        assert_eq!(brands(" ").unwrap(), Vec::<String>::new());
        assert!(brands("Shoes & Bags").is_err());
    }
}
