//! Status updates of the WhatsApp webhook (`value.statuses[]`): sent,
//! delivered, read, failed (with the Graph error codes), played, deleted,
//! warning.

use serde::Deserialize;
use serde_json::Value;
use store_events::data::channel::{WhatsAppError, WhatsAppMessageStatus, WhatsAppStatus};

use super::{
    PayloadError,
    graph_error::GraphError,
    send_reference::{self, Taken},
    unix_time,
};

/// One entry of `value.statuses`.
#[derive(Deserialize)]
pub(super) struct Status {
    id: String,
    status: String,
    timestamp: String,
    recipient_id: String,
    #[serde(default)]
    errors: Vec<GraphError>,
    #[serde(default)]
    conversation: Option<Value>,
    #[serde(default)]
    pricing: Option<Value>,
    /// What the send carried as `biz_opaque_callback_data`.
    #[serde(default)]
    biz_opaque_callback_data: Option<String>,
}

/// The message of one of our replies that `status` says WhatsApp took: a
/// `sent` or `failed` status (each follows the API taking the message)
/// whose opaque data is one of our references.
pub(super) fn taken(status: &Status) -> Option<Taken> {
    if !matches!(status.status.as_str(), "sent" | "failed") || status.id.is_empty() {
        return None;
    }
    let (event_id, seq) = send_reference::decode(status.biz_opaque_callback_data.as_deref()?)?;
    Some(Taken {
        event_id: event_id.to_owned(),
        seq,
        channel_message_id: status.id.clone(),
    })
}

/// The status event of one entry; `None` for a state we do not know (skipped
/// with a warning, never a failure).
pub(super) fn parse_status(
    account: &str,
    status: Status,
) -> Result<Option<WhatsAppMessageStatus>, PayloadError> {
    let state = match status.status.as_str() {
        "sent" => WhatsAppStatus::Sent,
        "delivered" => WhatsAppStatus::Delivered,
        "read" => WhatsAppStatus::Read,
        "failed" => WhatsAppStatus::Failed,
        "played" => WhatsAppStatus::Played,
        "deleted" => WhatsAppStatus::Deleted,
        "warning" => WhatsAppStatus::Warning,
        other => {
            tracing::warn!(status = other, "skipping a WhatsApp status of unknown kind");
            return Ok(None);
        }
    };
    if status.id.is_empty() || status.recipient_id.is_empty() {
        return Err(PayloadError(
            "a status has an empty id or recipient".to_owned(),
        ));
    }
    let seconds = status
        .timestamp
        .parse::<i64>()
        .map_err(|_| PayloadError(format!("timestamp {:?} is not a number", status.timestamp)))?;
    Ok(Some(WhatsAppMessageStatus {
        phone_number_id: account.to_owned(),
        message_id: status.id,
        recipient_id: status.recipient_id,
        status: state,
        timestamp: unix_time(seconds)?,
        errors: status
            .errors
            .into_iter()
            .map(|e| WhatsAppError {
                code: e.code,
                title: e.title.unwrap_or_else(|| format!("error {}", e.code)),
                message: e.message,
                details: e.error_data.and_then(|d| d.details),
            })
            .collect(),
        conversation: status.conversation.filter(Value::is_object),
        pricing: status.pricing.filter(Value::is_object),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn status(state: &str, opaque: Option<&str>) -> Status {
        let mut raw = json!({
            "id": "wamid.out.1", "status": state, "timestamp": "1700000000",
            "recipient_id": "34600111222",
        });
        if let Some(opaque) = opaque {
            raw["biz_opaque_callback_data"] = json!(opaque);
        }
        serde_json::from_value(raw).expect("a status")
    }

    #[test]
    fn a_sent_or_failed_status_with_our_reference_names_the_message_taken() {
        let reference = send_reference::encode("evt-1", 2).expect("fits");

        for state in ["sent", "failed"] {
            assert_eq!(
                taken(&status(state, Some(&reference))),
                Some(Taken {
                    event_id: "evt-1".into(),
                    seq: 2,
                    channel_message_id: "wamid.out.1".into(),
                }),
                "{state}"
            );
        }
    }

    #[test]
    fn other_statuses_and_other_opaque_data_name_nothing() {
        let reference = send_reference::encode("evt-1", 2).expect("fits");

        assert_eq!(taken(&status("delivered", Some(&reference))), None);
        assert_eq!(taken(&status("read", Some(&reference))), None);
        assert_eq!(taken(&status("sent", Some("campaign-7"))), None);
        assert_eq!(taken(&status("sent", None)), None);
    }
}
