//! Status updates of the WhatsApp webhook (`value.statuses[]`): sent,
//! delivered, read, failed (with the Graph error codes), played, deleted,
//! warning.

use serde::Deserialize;
use serde_json::Value;
use store_events::data::channel::{WhatsAppError, WhatsAppMessageStatus, WhatsAppStatus};

use super::{PayloadError, graph_error::GraphError, unix_time};

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
