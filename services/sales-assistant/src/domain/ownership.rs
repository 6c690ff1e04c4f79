//! Who may act on a conversation's hand-off: one human seller owns it at a
//! time (claimed, taken over or transferred); only the owner replies,
//! sends products, places orders, releases, transfers or hands it back.
//! Each refusal says in a sentence what the person can do.

use uuid::Uuid;

/// The open hand-off as an action sees it (`None`: none is open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ownership {
    /// Its owner, if claimed.
    pub owner: Option<Uuid>,
}

/// Why an action on a conversation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// No open hand-off: the AI seller answers the shopper.
    #[error("This conversation is back with the AI seller")]
    WithTheAi,
    /// Someone else (or nobody yet) owns it.
    #[error("Claim the conversation first")]
    NotTheOwner,
    /// Another seller owns it (`name`).
    #[error("{0} already has this conversation")]
    OwnedBy(String),
    /// A hand-off is already open: claim it instead of taking over.
    #[error("This conversation is already waiting for a person: claim it instead")]
    AlreadyHandedOff,
}

/// Whether `me` may act as the owner of a conversation whose open hand-off
/// is `open` (reply, send a product, place or cancel an order, release,
/// transfer, hand back).
pub fn check_owner(open: Option<Ownership>, me: Uuid) -> Result<(), Refused> {
    match open {
        None => Err(Refused::WithTheAi),
        Some(Ownership { owner: Some(owner) }) if owner == me => Ok(()),
        Some(_) => Err(Refused::NotTheOwner),
    }
}

/// What a claim of the open hand-off `open` by `me` does, when the
/// conditional update did not take it: nothing to claim, already mine
/// (a double click: fine), or someone else's (`owner_name`).
pub fn claim_lost(open: Option<Ownership>, me: Uuid, owner_name: &str) -> Result<(), Refused> {
    match open {
        None => Err(Refused::WithTheAi),
        Some(Ownership { owner: Some(owner) }) if owner == me => Ok(()),
        Some(_) => Err(Refused::OwnedBy(owner_name.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_the_owner_of_an_open_handoff_acts() {
        let (me, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(check_owner(Some(Ownership { owner: Some(me) }), me), Ok(()));
        assert_eq!(
            check_owner(Some(Ownership { owner: Some(other) }), me),
            Err(Refused::NotTheOwner)
        );
        assert_eq!(
            check_owner(Some(Ownership { owner: None }), me),
            Err(Refused::NotTheOwner)
        );
        assert_eq!(check_owner(None, me), Err(Refused::WithTheAi));
    }

    #[test]
    fn a_lost_claim_names_the_winner_and_a_double_click_is_fine() {
        let (me, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(
            claim_lost(Some(Ownership { owner: Some(other) }), me, "Ana")
                .unwrap_err()
                .to_string(),
            "Ana already has this conversation"
        );
        assert_eq!(
            claim_lost(Some(Ownership { owner: Some(me) }), me, "Me"),
            Ok(())
        );
        assert_eq!(claim_lost(None, me, ""), Err(Refused::WithTheAi));
    }
}
