//! What the notification settings page sends, parsed: the webhook's URL
//! and secret, and a seller's Telegram chat id (parse, don't validate).

use url::Url;

/// Longest webhook URL, in characters.
pub const MAX_URL_CHARS: usize = 2000;
/// Longest webhook secret, in characters.
pub const MAX_SECRET_CHARS: usize = 200;

/// Why input is refused; the message is shown on the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(String);

/// A webhook address: an absolute `http` or `https` URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses the field; blank is no webhook.
    pub fn parse(value: &str) -> Result<Option<Self>, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > MAX_URL_CHARS {
            return Err(Invalid(format!(
                "the webhook URL is longer than {MAX_URL_CHARS} characters"
            )));
        }
        let url =
            Url::parse(value).map_err(|_| Invalid("the webhook URL is not a URL".to_owned()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Invalid(
                "the webhook URL must start with https:// (or http://) and name a host".to_owned(),
            ));
        }
        Ok(Some(Self(url.to_string())))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What to do with the stored webhook secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretChange {
    /// Keep it (the field was left blank).
    Keep,
    /// Remove it.
    Remove,
    /// Set this one.
    Set(String),
}

/// Parses the secret field (blank keeps the stored one) and the "remove"
/// box.
pub fn secret_change(value: &str, remove: bool) -> Result<SecretChange, Invalid> {
    let value = value.trim();
    match (remove, value.is_empty()) {
        (true, true) => Ok(SecretChange::Remove),
        (true, false) => Err(Invalid(
            "either type a new secret or remove it, not both".to_owned(),
        )),
        (false, true) => Ok(SecretChange::Keep),
        (false, false) if value.chars().count() > MAX_SECRET_CHARS => Err(Invalid(format!(
            "the secret is longer than {MAX_SECRET_CHARS} characters"
        ))),
        (false, false) => Ok(SecretChange::Set(value.to_owned())),
    }
}

/// A Telegram chat: a numeric chat id (negative for groups), or a public
/// `@channel` name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatId(String);

impl ChatId {
    /// Parses the field; blank is no chat.
    pub fn parse(value: &str) -> Result<Option<Self>, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        let digits = value.strip_prefix('-').unwrap_or(value);
        let numeric =
            !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit());
        let channel = value.strip_prefix('@').is_some_and(|name| {
            (5..=32).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        if numeric || channel {
            Ok(Some(Self(value.to_owned())))
        } else {
            Err(Invalid(
                "a Telegram chat id is a number (Telegram's @userinfobot tells yours) or an \
                 @channel name"
                    .to_owned(),
            ))
        }
    }

    /// The chat id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_webhook_is_an_http_url_with_a_host_or_nothing() {
        assert_eq!(WebhookUrl::parse("  ").unwrap(), None);
        assert_eq!(
            WebhookUrl::parse(" https://hooks.example.com/inbox?x=1 ")
                .unwrap()
                .unwrap()
                .as_str(),
            "https://hooks.example.com/inbox?x=1"
        );
        for bad in [
            "hooks.example.com",
            "ftp://example.com/",
            "javascript:alert(1)",
            "http://",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn a_blank_secret_keeps_the_stored_one() {
        assert_eq!(secret_change(" ", false), Ok(SecretChange::Keep));
        assert_eq!(secret_change("", true), Ok(SecretChange::Remove));
        assert_eq!(
            secret_change(" s3cret ", false),
            Ok(SecretChange::Set("s3cret".to_owned()))
        );
        assert!(secret_change("s3cret", true).is_err());
        assert!(secret_change(&"x".repeat(MAX_SECRET_CHARS + 1), false).is_err());
    }

    #[test]
    fn a_chat_id_is_a_number_or_a_channel_name() {
        for good in ["123456789", "-1001234567890", "@acme_sales"] {
            assert_eq!(ChatId::parse(good).unwrap().unwrap().as_str(), good);
        }
        assert_eq!(ChatId::parse("").unwrap(), None);
        for bad in ["12a", "-", "@abc", "@no spaces", "<b>1</b>"] {
            assert!(ChatId::parse(bad).is_err(), "{bad}");
        }
    }
}
