//! Samples of the events of the human seller's inbox: a human claiming a
//! conversation, an escalation deferred, suggested replies drafted by the
//! seller, the delivery of a reply at the shopper's channel and orders
//! cancelled on the shop's behalf.

use store_events::data::*;

use super::{CHANNELS, Samples, at, push};

pub fn add(samples: &mut Samples) {
    handoffs(samples);
    drafts(samples);
    deliveries(samples);
    cancellations(samples);
}

fn handoffs(samples: &mut Samples) {
    push(
        samples,
        "claimed from the queue",
        SalesClaimed {
            agent: "0195a1b2-0000-7000-8000-000000000007".into(),
            agent_name: "Bruno".into(),
            taken_over: false,
        },
    );
    push(
        samples,
        "taken over from the AI",
        SalesClaimed {
            agent: "agent-7".into(),
            agent_name: "Ana Souza".into(),
            taken_over: true,
        },
    );
    push(
        samples,
        "off hours, until the next shift",
        SalesDeferred {
            reason: DeferralReason::OffHours,
            until: Some(at()),
        },
    );
    push(
        samples,
        "no seller online",
        SalesDeferred {
            reason: DeferralReason::NoSellerOnline,
            until: None,
        },
    );
}

fn drafts(samples: &mut Samples) {
    push(
        samples,
        "every role, with language",
        SalesDraft {
            messages: [Role::Customer, Role::Ai, Role::Human, Role::System]
                .into_iter()
                .map(|role| TranscriptMessage {
                    role,
                    text: format!("{role:?} says hi"),
                    at: at(),
                })
                .collect(),
            language: Some("pt-BR".into()),
        },
    );
    push(
        samples,
        "no messages, no language",
        SalesDraft {
            messages: vec![],
            language: None,
        },
    );
    push(
        samples,
        "by the model",
        SalesDraftResult {
            text: "Oi Ana! Temos o vestido em M, quer que eu reserve?".into(),
            source: DraftSource::Llm,
        },
    );
    push(
        samples,
        "by the offline brain",
        SalesDraftResult {
            text: "What are you looking for?".into(),
            source: DraftSource::Offline,
        },
    );
}

fn deliveries(samples: &mut Samples) {
    push(
        samples,
        "sent",
        ChatDelivery {
            response_id: "0195a1b2-0000-7000-8000-000000000042".into(),
            channel: CHANNELS[0],
            status: DeliveryStatus::Sent,
            reason: None,
            code: None,
            channel_message_id: Some("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI".into()),
        },
    );
    push(
        samples,
        "failed, with the channel's code",
        ChatDelivery {
            response_id: "0195a1b2-0000-7000-8000-000000000043".into(),
            channel: CHANNELS[0],
            status: DeliveryStatus::Failed,
            reason: Some(
                "more than 24 hours since the shopper's last message: WhatsApp only takes a template now"
                    .into(),
            ),
            code: Some("131047".into()),
            channel_message_id: None,
        },
    );
    for channel in &CHANNELS[1..] {
        push(
            samples,
            &format!("{channel:?}, bare"),
            ChatDelivery {
                response_id: "0195a1b2-0000-7000-8000-000000000044".into(),
                channel: *channel,
                status: DeliveryStatus::Failed,
                reason: None,
                code: None,
                channel_message_id: None,
            },
        );
    }
}

fn cancellations(samples: &mut Samples) {
    push(
        samples,
        "with a reason",
        OrderCancel {
            order_number: "FA-1042".into(),
            requested_by: "Bruno".into(),
            reason: Some("The shopper changed their mind".into()),
        },
    );
    push(
        samples,
        "bare",
        OrderCancel {
            order_number: "FA-1043".into(),
            requested_by: "agent-7".into(),
            reason: None,
        },
    );
    let outcomes = [
        (CancelOutcome::Cancelled, Some(OrderStatus::Cancelled)),
        (CancelOutcome::AlreadyCancelled, Some(OrderStatus::Expired)),
        (CancelOutcome::NotCancellable, Some(OrderStatus::Shipped)),
        (CancelOutcome::NotFound, None),
    ];
    for (outcome, status) in outcomes {
        push(
            samples,
            &format!("{outcome:?}"),
            OrderCancelResult {
                order_number: "FA-1042".into(),
                outcome,
                status,
            },
        );
    }
}
