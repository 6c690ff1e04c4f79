//! The reference a WhatsApp send carries (`biz_opaque_callback_data`) and
//! WhatsApp echoes in the message's status webhooks: which reply event and
//! which of its channel messages the status is about.
//!
//! It settles the one case the gateway's own record cannot: the gateway
//! killed after WhatsApp took a message and before the record's insert left
//! it. The redelivered reply does not know whether that message went out;
//! its `sent` (or `failed`) status does, and carries this reference
//! (`flows::send_reply`). Event ids are random UUIDs known only to the
//! platform and to Meta, so a status cannot name another reply's message
//! by guessing.

/// Marks references the platform wrote; any other opaque data is a shop's
/// own and is left alone.
const PREFIX: &str = "agent-store:";

/// WhatsApp keeps at most 512 characters of opaque data.
const MAX_CHARS: usize = 512;

/// The reference of message `seq` of reply `event_id`; `None` when it would
/// not fit WhatsApp's field (an event id of hundreds of characters).
pub fn encode(event_id: &str, seq: i32) -> Option<String> {
    let reference = format!("{PREFIX}{event_id}:{seq}");
    (reference.chars().count() <= MAX_CHARS).then_some(reference)
}

/// The reply event id and message number a reference names; `None` for
/// opaque data the platform did not write.
pub fn decode(reference: &str) -> Option<(&str, i32)> {
    let (event_id, seq) = reference.strip_prefix(PREFIX)?.rsplit_once(':')?;
    let seq = seq.parse().ok().filter(|seq: &i32| *seq >= 0)?;
    (!event_id.is_empty()).then_some((event_id, seq))
}

/// A message of one of our replies that WhatsApp reported taking (a `sent`
/// or `failed` status carrying its reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The reply event.
    pub event_id: String,
    /// Which of its channel messages.
    pub seq: i32,
    /// WhatsApp's id of the message.
    pub channel_message_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_reads_back_as_written() {
        let reference = encode("0193-ab:cd", 3).expect("fits");

        assert_eq!(decode(&reference), Some(("0193-ab:cd", 3)));
    }

    #[test]
    fn opaque_data_the_platform_did_not_write_is_not_a_reference() {
        for data in [
            "",
            "campaign-7",
            "agent-store:",
            "agent-store::1",
            "agent-store:e:-1",
            "agent-store:e:x",
            "agent-store:e:99999999999",
            "other:e:1",
        ] {
            assert_eq!(decode(data), None, "{data:?}");
        }
    }

    #[test]
    fn an_id_too_long_for_whatsapp_gives_no_reference() {
        assert!(encode(&"e".repeat(600), 0).is_none());
    }
}
