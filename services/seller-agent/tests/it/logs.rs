//! What the seller logs of a WhatsApp conversation at INFO: neither the
//! shopper's phone number (it is in the conversation id) nor what they
//! wrote, nor the reply that echoes it.

use crate::support::TestSeller;

#[tokio::test]
async fn a_turn_logs_no_phone_number_and_no_message_text_at_info() {
    // Current thread: the seller's tasks log where the capture listens.
    let (_capturing, logs) = store_telemetry::logs::capture("info");
    let mut seller = TestSeller::spawn().await;
    let conversation = "whatsapp:100000000000001:34600111222";
    let said = "Hola, soy Ana. Busco un vestido rojo para una boda";

    seller.say(conversation, said).await;
    let (_, reply) = seller.reply().await;
    seller.stop().await;

    let logged = logs.text();
    assert!(
        logged.contains("answered"),
        "the turn was not logged: {logged}"
    );
    assert!(!logged.contains("34600111222"), "{logged}");
    assert!(!logged.contains("vestido rojo"), "{logged}");
    let echoed = reply.lines().next().unwrap_or(&reply);
    assert!(
        !logged.contains(echoed),
        "the reply is in the logs: {logged}"
    );
    assert!(
        logged.contains(&store_telemetry::logs::pseudonym(conversation)),
        "the conversation is not named by its pseudonym: {logged}"
    );
}
