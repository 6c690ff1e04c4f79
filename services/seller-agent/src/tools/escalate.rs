//! Handing the conversation to a human seller.

use serde_json::json;
use store_events::{
    EventContext,
    data::{EscalationReason, Priority, SalesEscalate},
    new_event,
};

use super::{EscalateToHuman, ToolContext, ToolOutcome};

/// Builds the `store.sales.escalate` event for this conversation.
pub fn escalation_event(
    ctx: &ToolContext,
    reason: EscalationReason,
    summary: String,
    priority: Priority,
) -> Result<cloudevents::Event, String> {
    let context = EventContext::caused_by(&ctx.cause).map_err(|e| e.to_string())?;
    let data = SalesEscalate {
        reason,
        summary,
        customer: ctx.customer.clone(),
        channel: ctx.channel,
        priority,
        last_messages: (!ctx.recent.is_empty()).then(|| ctx.recent.clone()),
    };
    new_event(&ctx.bus.config().source, &context, &data).map_err(|e| e.to_string())
}

pub(crate) fn escalate(ctx: &ToolContext, args: EscalateToHuman) -> ToolOutcome {
    let summary = format!("{} — {}", args.reason.trim(), args.summary.trim());
    match escalation_event(
        ctx,
        EscalationReason::ComplexCase,
        summary,
        Priority::Normal,
    ) {
        Ok(event) => ToolOutcome::Escalated {
            event: Box::new(event),
            result: json!({ "escalated": true, "note": "A human seller will continue this conversation. Tell the shopper so, briefly." }),
        },
        Err(e) => ToolOutcome::Error(format!("could not hand over: {e}")),
    }
}
