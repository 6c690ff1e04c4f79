//! The people who work the inbox: human seller accounts of a tenant, their
//! roles, how they prove who they are and how they join.
//!
//! - [`Role`]: an `owner` sees every brand, the reports and the team; a
//!   `seller` works the brands listed on their account;
//! - [`input`]: an account's email, name and password, parsed;
//! - [`password`]: argon2id hashing and verification (PHC strings);
//! - [`tokens`]: random tokens (CSRF, invitations) and what is kept of an
//!   invitation token (its SHA-256);
//! - [`throttle`]: how many failed sign-ins lock an account or an address
//!   out, and until when;
//! - [`invitations`]: joining a team through a one-time link, and the
//!   operator's owner with a password;
//! - [`db`]: accounts, invitations, failed sign-ins and presence;
//! - [`session_store`]: the sessions of signed-in sellers in PostgreSQL,
//!   for `tower-sessions`; [`cleanup`]: expired ones deleted.

pub mod cleanup;
pub mod db;
pub mod input;
pub mod invitations;
pub mod password;
pub mod session_store;
pub mod throttle;
pub mod tokens;

use std::fmt;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Every brand of the tenant, the reports, the team.
    Owner,
    /// The conversations of the brands on the account.
    Seller,
}

impl Role {
    /// The name stored and shown: `owner` or `seller`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Seller => "seller",
        }
    }

    /// The role named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "owner" => Some(Self::Owner),
            "seller" => Some(Self::Seller),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_named_as_stored() {
        for role in [Role::Owner, Role::Seller] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
