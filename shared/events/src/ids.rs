//! Identifier newtypes carried in event extensions and routing keys.
//!
//! Tenant and brand ids appear as words of an AMQP topic routing key, so they
//! are restricted to lowercase ASCII letters, digits, `-` and `_` (no `.`,
//! `*` or `#`, which the topic exchange treats specially).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an identifier was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    /// The identifier was empty.
    #[error("{kind} id is empty")]
    Empty {
        /// Which kind of id.
        kind: &'static str,
    },
    /// The identifier was longer than allowed.
    #[error("{kind} id is longer than {max} characters")]
    TooLong {
        /// Which kind of id.
        kind: &'static str,
        /// The limit.
        max: usize,
    },
    /// The identifier held a character outside the allowed set.
    #[error("{kind} id {value:?} may hold only lowercase letters, digits, '-' and '_'")]
    BadCharacter {
        /// Which kind of id.
        kind: &'static str,
        /// The refused value.
        value: String,
    },
}

fn parse_slug(kind: &'static str, value: &str) -> Result<String, IdError> {
    const MAX: usize = 64;
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.len() > MAX {
        return Err(IdError::TooLong { kind, max: MAX });
    }
    let ok = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !ok {
        return Err(IdError::BadCharacter {
            kind,
            value: value.to_owned(),
        });
    }
    Ok(value.to_owned())
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an id, refusing characters a routing key cannot carry.
            pub fn parse(value: impl AsRef<str>) -> Result<Self, IdError> {
                parse_slug($kind, value.as_ref()).map(Self)
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_id!(
    /// A tenant: one shop owner's account, the unit of isolation.
    TenantId,
    "tenant"
);
slug_id!(
    /// A brand of a tenant; each brand has its own AI seller.
    BrandId,
    "brand"
);

/// A conversation with one shopper on one channel. Opaque; not used in
/// routing keys, so any non-empty string up to 200 characters is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConversationId(String);

impl ConversationId {
    /// Parses a conversation id.
    pub fn parse(value: impl AsRef<str>) -> Result<Self, IdError> {
        let value = value.as_ref();
        if value.is_empty() {
            return Err(IdError::Empty {
                kind: "conversation",
            });
        }
        if value.len() > 200 {
            return Err(IdError::TooLong {
                kind: "conversation",
                max: 200,
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ConversationId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<ConversationId> for String {
    fn from(id: ConversationId) -> String {
        id.0
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn slug_ids_refuse_routing_key_metacharacters() {
        for bad in ["a.b", "a*", "#", "Upper", "", "sp ace"] {
            assert!(TenantId::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(BrandId::parse("fashion-2").unwrap().as_str(), "fashion-2");
    }

    #[test]
    fn ids_deserialize_through_parse() {
        let err = serde_json::from_str::<TenantId>("\"a.b\"").unwrap_err();
        assert!(err.to_string().contains("lowercase"));
    }
}
