//! A hand-off: open until a human resolves it, once. A second escalation
//! of an open conversation updates the hand-off instead of opening another.

use store_events::data::Priority;

/// Where a hand-off stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A human seller has the conversation; the AI is silent.
    Open,
    /// Handed back to the AI or closed.
    Resolved,
}

impl Status {
    /// The stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "open" => Some(Self::Open),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }
}

/// Why a human seller's action on a hand-off is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The hand-off is resolved: the AI seller has the conversation again
    /// (or it is closed), so a human must not talk over it.
    #[error("the hand-off is resolved; the conversation is no longer with a human seller")]
    AlreadyResolved,
}

/// Whether a human may reply in a hand-off with `status`.
pub fn check_reply(status: Status) -> Result<(), Refused> {
    match status {
        Status::Open => Ok(()),
        Status::Resolved => Err(Refused::AlreadyResolved),
    }
}

/// Whether a hand-off with `status` may be resolved (only once).
pub fn check_resolve(status: Status) -> Result<(), Refused> {
    check_reply(status)
}

/// The priority of an open hand-off escalated again: the more urgent of
/// the two, so a later, calmer escalation never buries an urgent one.
pub fn merged_priority(current: Priority, incoming: Priority) -> Priority {
    if rank(incoming) > rank(current) {
        incoming
    } else {
        current
    }
}

fn rank(priority: Priority) -> u8 {
    match priority {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
    }
}

/// The conversation of an escalation or message without the
/// `conversation` extension, named as the seller names it:
/// `<channel>:<customer id>`.
pub fn fallback_conversation(channel: &str, customer_id: &str) -> String {
    format!("{channel}:{customer_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_handoff_takes_replies_and_one_resolution() {
        assert_eq!(check_reply(Status::Open), Ok(()));
        assert_eq!(check_resolve(Status::Open), Ok(()));
    }

    #[test]
    fn a_resolved_handoff_refuses_replies_and_a_second_resolution() {
        assert_eq!(check_reply(Status::Resolved), Err(Refused::AlreadyResolved));
        assert_eq!(
            check_resolve(Status::Resolved),
            Err(Refused::AlreadyResolved)
        );
    }

    #[test]
    fn a_repeated_escalation_keeps_the_more_urgent_priority() {
        assert_eq!(
            merged_priority(Priority::High, Priority::Low),
            Priority::High
        );
        assert_eq!(
            merged_priority(Priority::Normal, Priority::High),
            Priority::High
        );
        assert_eq!(
            merged_priority(Priority::Low, Priority::Normal),
            Priority::Normal
        );
    }

    #[test]
    fn statuses_round_trip_and_nonsense_is_refused() {
        for status in [Status::Open, Status::Resolved] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("pending"), None);
    }

    #[test]
    fn a_conversation_without_an_id_is_named_like_the_seller_names_it() {
        assert_eq!(
            fallback_conversation("whatsapp", "5511999990000"),
            "whatsapp:5511999990000"
        );
    }
}
