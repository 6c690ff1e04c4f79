//! The Graph API's error object as webhooks carry it, in a message WhatsApp
//! could not read (`messages[].errors`) and in a failed status
//! (`statuses[].errors`).

use serde::Deserialize;

/// One entry of an `errors` array.
#[derive(Deserialize)]
pub(super) struct GraphError {
    pub(super) code: i64,
    #[serde(default)]
    pub(super) title: Option<String>,
    #[serde(default)]
    pub(super) message: Option<String>,
    #[serde(default)]
    pub(super) error_data: Option<ErrorData>,
}

/// `error_data` of a Graph error.
#[derive(Deserialize)]
pub(super) struct ErrorData {
    #[serde(default)]
    pub(super) details: Option<String>,
}
