//! WhatsApp Cloud API webhooks as Meta sends them, for tests and the fault
//! suite: bodies shaped exactly like the shared fixtures, and their
//! `X-Hub-Signature-256`.

use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::fixture;

/// A WhatsApp text message webhook from `wa_id`, shaped exactly like the
/// shared `whatsapp/text.json` fixture (which is the template), with this
/// text, message id and timestamp.
pub fn whatsapp_text(wa_id: &str, text: &str) -> Vec<u8> {
    whatsapp_from_fixture("whatsapp/text.json", wa_id, |message| {
        message["text"]["body"] = json!(text);
    })
}

/// [`whatsapp_text`] to the business number `phone_number_id` (which routes
/// it to a tenant's brand), and its message id (`wamid`).
pub fn whatsapp_text_to(phone_number_id: &str, wa_id: &str, text: &str) -> (String, Vec<u8>) {
    let mut body: Value = serde_json::from_slice(&whatsapp_text(wa_id, text)).expect("JSON");
    let value = &mut body["entry"][0]["changes"][0]["value"];
    value["metadata"]["phone_number_id"] = json!(phone_number_id);
    value["metadata"]["display_phone_number"] = json!(phone_number_id);
    let wamid = value["messages"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (wamid, serde_json::to_vec(&body).expect("serialise"))
}

/// A WhatsApp webhook from `wa_id` shaped exactly like the shared `fixture`
/// (its first message given a fresh id and the current time), with
/// `edit` applied to that message.
pub fn whatsapp_from_fixture(
    fixture_name: &str,
    wa_id: &str,
    edit: impl FnOnce(&mut Value),
) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&fixture(fixture_name)).expect("fixture JSON");
    let value = &mut body["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(wa_id);
    let message = &mut value["messages"][0];
    message["from"] = json!(wa_id);
    message["id"] = json!(format!("wamid.{}", uuid::Uuid::new_v4().simple()));
    message["timestamp"] = json!(chrono::Utc::now().timestamp().to_string());
    edit(message);
    serde_json::to_vec(&body).expect("serialise")
}

/// The `sent` status webhook Meta sends for message `wamid` from the
/// business number `phone_number_id` to `recipient`, shaped exactly like the
/// shared `whatsapp/status_sent.json` fixture, echoing the send's
/// `biz_opaque_callback_data` when it carried one.
pub fn whatsapp_sent_status(
    phone_number_id: &str,
    wamid: &str,
    recipient: &str,
    opaque: Option<&str>,
) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(&fixture("whatsapp/status_sent.json")).expect("fixture JSON");
    let value = &mut body["entry"][0]["changes"][0]["value"];
    value["metadata"]["phone_number_id"] = json!(phone_number_id);
    value["metadata"]["display_phone_number"] = json!(phone_number_id);
    value["contacts"][0]["wa_id"] = json!(recipient);
    let status = &mut value["statuses"][0];
    status["id"] = json!(wamid);
    status["recipient_id"] = json!(recipient);
    status["timestamp"] = json!(chrono::Utc::now().timestamp().to_string());
    if let Some(opaque) = opaque {
        status["biz_opaque_callback_data"] = json!(opaque);
    }
    serde_json::to_vec(&body).expect("serialise")
}

/// The `X-Hub-Signature-256` header Meta sends with `body`, signed with the
/// app's secret.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_meta_s_hmac_sha256_in_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_text_webhook_is_from_the_shopper_with_a_fresh_id() {
        let first: Value = serde_json::from_slice(&whatsapp_text("5511", "hi")).expect("JSON");
        let second: Value = serde_json::from_slice(&whatsapp_text("5511", "hi")).expect("JSON");
        let message = &first["entry"][0]["changes"][0]["value"]["messages"][0];
        assert_eq!(message["from"], "5511");
        assert_eq!(message["text"]["body"], "hi");
        assert_ne!(
            message["id"],
            second["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        );
    }
}
