//! The channels shoppers write through.

use std::{fmt, str::FromStr};

/// A channel shoppers write through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// Signed WhatsApp Cloud API webhooks.
    WhatsApp,
    /// Telegram Bot API webhooks with the bot's secret token.
    Telegram,
    /// The web chat's HTTP API.
    Webchat,
}

impl Channel {
    /// Its name on the command line and in the tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WhatsApp => "whatsapp",
            Channel::Telegram => "telegram",
            Channel::Webchat => "webchat",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "whatsapp" => Ok(Channel::WhatsApp),
            "telegram" => Ok(Channel::Telegram),
            "webchat" => Ok(Channel::Webchat),
            other => Err(format!(
                "{other:?} is not one of whatsapp, telegram, webchat"
            )),
        }
    }
}
