//! The steady stream of shoppers: each one a WhatsApp conversation with one
//! brand ("hi", a search, "1 of 1", "yes"), each webhook delivered as Meta
//! delivers it (again until it is answered 200, and 2–5 times at once plus
//! once more later when the row asks for duplicates), each message waited
//! on until its answer is sent before the next.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::{sync::Barrier, task::JoinSet};

use crate::shop::{Brand, Shop, whatsapp_text};

/// One shopper message the suite sent.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its WhatsApp message id.
    pub wamid: String,
    /// The shopper.
    pub wa_id: String,
    /// When the gateway first answered its webhook 200 (`None`: never).
    pub accepted_at: Option<Instant>,
    /// Whether it was the "yes" that confirms an order.
    pub confirms: bool,
}

/// How webhooks are delivered.
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    /// Copies posted at once (1, or 2–5 varied per message).
    pub copies: usize,
    /// Deliver each once more after this long.
    pub again_after: Option<Duration>,
}

impl Delivery {
    /// One delivery per message, as usual.
    pub const ONCE: Self = Self {
        copies: 1,
        again_after: None,
    };
}

/// A shopper's conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The shopper's WhatsApp id.
    pub wa_id: String,
    /// The brand they write to.
    pub brand: Brand,
    /// What they write, in order.
    pub script: Vec<String>,
    /// Wait here before the last message (ten shoppers confirming at once).
    pub barrier: Option<Arc<Barrier>>,
    /// Do not wait for answers (a message that is meant to fail first).
    pub fire_and_forget: bool,
}

impl Conversation {
    /// The usual conversation: greet, search, pick one, confirm.
    pub fn shopping(wa_id: String, brand: Brand) -> Self {
        Self {
            wa_id,
            brand,
            script: vec![
                "hi".to_owned(),
                brand.search.to_owned(),
                "1 of 1".to_owned(),
                "yes".to_owned(),
            ],
            barrier: None,
            fire_and_forget: false,
        }
    }
}

/// Everything sent during a row, shared by its shoppers.
#[derive(Clone, Default)]
pub struct Sent(Arc<Mutex<Vec<Message>>>);

impl Sent {
    fn push(&self, message: Message) -> usize {
        let mut all = self.0.lock().expect("lock");
        all.push(message);
        all.len() - 1
    }

    fn accept(&self, index: usize, at: Instant) {
        self.0.lock().expect("lock")[index].accepted_at = Some(at);
    }

    /// A copy of every message so far.
    pub fn messages(&self) -> Vec<Message> {
        self.0.lock().expect("lock").clone()
    }
}

/// How long a shopper waits for an answer before giving up on the
/// conversation (the message then counts as lost unless its answer comes
/// before the row's end).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a webhook is redelivered until the gateway accepts it.
const DELIVERY_PATIENCE: Duration = Duration::from_secs(180);

/// Runs one conversation to its end.
pub async fn converse(
    shop: Arc<Shop>,
    conversation: Conversation,
    delivery: Delivery,
    sent: Sent,
    later: Arc<Mutex<JoinSet<()>>>,
) {
    let last = conversation.script.len().saturating_sub(1);
    for (n, text) in conversation.script.iter().enumerate() {
        if n == last
            && let Some(barrier) = &conversation.barrier
        {
            barrier.wait().await;
        }
        let (wamid, body) = whatsapp_text(conversation.brand.number, &conversation.wa_id, text);
        let index = sent.push(Message {
            wamid: wamid.clone(),
            wa_id: conversation.wa_id.clone(),
            accepted_at: None,
            confirms: text == "yes",
        });
        let copies = if delivery.copies > 1 {
            // 2–5 copies, varied by message.
            2 + (wamid.bytes().map(usize::from).sum::<usize>() % 4)
        } else {
            1
        };
        let accepted = deliver(&shop, conversation.brand.tenant, &body, copies).await;
        if let Some(at) = accepted {
            sent.accept(index, at);
        }
        if let Some(after) = delivery.again_after {
            let (shop, tenant) = (shop.clone(), conversation.brand.tenant);
            later.lock().expect("lock").spawn(async move {
                tokio::time::sleep(after).await;
                deliver(&shop, tenant, &body, 1).await;
            });
        }
        if accepted.is_none() || conversation.fire_and_forget {
            return;
        }
        let waited = Instant::now();
        while shop.graph.answered_at(&wamid).is_none() {
            if waited.elapsed() > ANSWER_TIMEOUT {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A shopper reads before writing again.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Posts `body` (`copies` at once) until the gateway answers 200, as Meta
/// retries a webhook that failed; when it was first accepted.
async fn deliver(shop: &Shop, tenant: &str, body: &[u8], copies: usize) -> Option<Instant> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        let answers =
            futures::future::join_all((0..copies).map(|_| shop.post_whatsapp(tenant, body))).await;
        if answers.contains(&Some(200)) {
            return Some(Instant::now());
        }
        if started.elapsed() > DELIVERY_PATIENCE {
            return None;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}
