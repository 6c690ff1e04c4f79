//! A handler that hands every event it consumes to an in-process channel.
//!
//! The delivery is acknowledged as soon as the event is in the channel, so
//! an event the receiver has not read yet is lost if the process dies: this
//! is for observers (tests, the evaluation harness, benchmarks, tools), never
//! for a consumer whose effect must survive a crash.

use cloudevents::Event;
use tokio::sync::mpsc;

use crate::{Handler, HandlerError, Incoming};

/// Forwards each consumed event to its channel.
pub struct Inbox(mpsc::UnboundedSender<Event>);

impl Inbox {
    /// A handler and the receiving end of its channel.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }
}

#[async_trait::async_trait]
impl Handler for Inbox {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        // A dropped receiver means nobody is observing any more: nothing to
        // keep the event for.
        let _ = self.0.send(incoming.event.clone());
        Ok(())
    }
}
