//! Samples of the product, order and sales events.

use std::collections::BTreeMap;

use store_events::data::*;

use super::{CHANNELS, Samples, at, bare_customer, brl, full_customer, push};

pub fn add(samples: &mut Samples) {
    products(samples);
    orders(samples);
    sales(samples);
}

fn summary(full: bool) -> ProductSummary {
    ProductSummary {
        product_id: "p1".into(),
        variant_id: full.then(|| "p1-m-red".into()),
        sku: "DRS-001-M-RED".into(),
        name: "Vestido midi".into(),
        description: full.then(|| "Viscose, lined".into()),
        price: brl(19990),
        stock: if full { 7 } else { 0 },
        in_stock: full,
        image_url: full.then(|| "https://cdn.example.com/p/1.jpg".into()),
        attributes: if full {
            BTreeMap::from([("size".into(), "M".into()), ("colour".into(), "red".into())])
        } else {
            BTreeMap::new()
        },
    }
}

fn products(samples: &mut Samples) {
    push(samples, "text only", ProductQuery::text("vestido vermelho"));
    push(
        samples,
        "everything",
        ProductQuery {
            text: Some("dress".into()),
            filters: ProductFilters {
                price_min: Some(5000),
                price_max: Some(30000),
                in_stock: Some(true),
                attributes: BTreeMap::from([("size".into(), "M".into())]),
                tags: Some(vec!["summer".into()]),
                ids: Some(vec!["prod-1".into()]),
            },
            limit: 50,
            offset: Some(20),
            language: Some("en".into()),
        },
    );
    push(
        samples,
        "no text, default filters",
        ProductQuery {
            text: None,
            filters: ProductFilters::default(),
            limit: 1,
            offset: None,
            language: None,
        },
    );
    push(
        samples,
        "similar",
        ProductRecommend {
            product_ids: vec!["p1".into()],
            mode: RecommendMode::Similar,
            limit: 5,
        },
    );
    push(
        samples,
        "complement",
        ProductRecommend {
            product_ids: vec!["p1".into(), "p2".into()],
            mode: RecommendMode::Complement,
            limit: 3,
        },
    );
    push(
        samples,
        "found",
        ProductQueryResult {
            products: vec![summary(true), summary(false)],
            total: 12,
            error: None,
        },
    );
    push(
        samples,
        "error",
        ProductQueryResult {
            products: vec![],
            total: 0,
            error: Some(ErrorDetail {
                code: "unavailable".into(),
                message: "search index is rebuilding".into(),
            }),
        },
    );
    push(
        samples,
        "found",
        ProductRecommendResult {
            products: vec![summary(false)],
            total: 1,
            error: None,
        },
    );
    push(
        samples,
        "error",
        ProductRecommendResult {
            products: vec![],
            total: 0,
            error: Some(ErrorDetail {
                code: "unknown_product".into(),
                message: "p9 is not in the catalog".into(),
            }),
        },
    );
}

fn line(quantity: u32, variant: bool) -> OrderLine {
    OrderLine {
        product_id: "p1".into(),
        variant_id: variant.then(|| "p1-m-red".into()),
        sku: "DRS-001-M-RED".into(),
        name: "Vestido midi".into(),
        quantity,
        unit_price: brl(19990),
        line_total: brl(19990 * i64::from(quantity)),
    }
}

fn orders(samples: &mut Samples) {
    push(
        samples,
        "minimal",
        OrderCreate {
            customer: bare_customer(),
            items: vec![OrderItem {
                product_id: "p1".into(),
                variant_id: None,
                quantity: 1,
            }],
            delivery: None,
            payment_method: None,
            note: None,
            channel: None,
        },
    );
    push(
        samples,
        "everything",
        OrderCreate {
            customer: full_customer(),
            items: vec![
                OrderItem {
                    product_id: "p1".into(),
                    variant_id: Some("p1-m-red".into()),
                    quantity: 2,
                },
                OrderItem {
                    product_id: "p2".into(),
                    variant_id: None,
                    quantity: 1,
                },
            ],
            delivery: Some(Delivery {
                name: Some("Ana Souza".into()),
                phone: Some("+5511999990000".into()),
                address_lines: vec!["Rua Augusta, 1000".into(), "apto 12".into()],
                city: Some("São Paulo".into()),
                postal_code: Some("01304-001".into()),
                country: Some("BR".into()),
                notes: Some("ring twice".into()),
            }),
            payment_method: Some("pix".into()),
            note: Some("gift wrap please".into()),
            channel: Some(Channel::Whatsapp),
        },
    );
    push(
        samples,
        "empty delivery",
        OrderCreate {
            customer: bare_customer(),
            items: vec![OrderItem {
                product_id: "p3".into(),
                variant_id: None,
                quantity: 4_000_000_000,
            }],
            delivery: Some(Delivery::default()),
            payment_method: None,
            note: None,
            channel: None,
        },
    );
    push(
        samples,
        "with delivery fee and link",
        OrderCreated {
            order_id: "0195a1b2-1111-7000-8000-000000000001".into(),
            order_number: "FA-1042".into(),
            lines: vec![line(2, true), line(1, false)],
            subtotal: brl(59970),
            delivery_fee: Some(brl(1500)),
            total: brl(61470),
            status: OrderStatus::PendingPayment,
            payment: Payment {
                provider: "stripe".into(),
                link: Some("https://pay.example.com/s/abc".into()),
            },
        },
    );
    push(
        samples,
        "bare",
        OrderCreated {
            order_id: "o2".into(),
            order_number: "FA-1043".into(),
            lines: vec![line(1, false)],
            subtotal: brl(19990),
            delivery_fee: None,
            total: brl(19990),
            status: OrderStatus::Paid,
            payment: Payment {
                provider: "manual".into(),
                link: None,
            },
        },
    );
    let reasons = [
        RejectionReason::UnknownItem,
        RejectionReason::OutOfStock,
        RejectionReason::Inactive,
        RejectionReason::QuantityLimit,
        RejectionReason::Invalid,
    ];
    push(
        samples,
        "every reason",
        OrderRejected {
            reasons: reasons
                .iter()
                .enumerate()
                .map(|(i, &reason)| RejectedItem {
                    line: u32::try_from(i).unwrap(),
                    product_id: format!("p{i}"),
                    variant_id: (i % 2 == 0).then(|| format!("p{i}-v")),
                    reason,
                    available: (i % 2 == 1).then_some(3),
                    detail: (i % 2 == 0).then(|| "see catalog".into()),
                })
                .collect(),
            message: "Some items cannot be ordered.".into(),
        },
    );
    push(
        samples,
        "whole order",
        OrderRejected {
            reasons: vec![],
            message: "Payment method not accepted.".into(),
        },
    );
    let statuses = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
    ];
    for pair in statuses.windows(2) {
        let full = pair[1] == OrderStatus::Shipped;
        push(
            samples,
            &format!("{:?} -> {:?}", pair[0], pair[1]),
            OrderStatusChanged {
                order_id: "o1".into(),
                order_number: "FA-1042".into(),
                from: pair[0],
                to: pair[1],
                reason: full.then(|| "handed to carrier".into()),
                tracking_number: full.then(|| "BR123456789".into()),
                changed_at: at(),
            },
        );
    }
}

fn sales(samples: &mut Samples) {
    let reasons = [
        EscalationReason::CustomerRequest,
        EscalationReason::LlmUnavailable,
        EscalationReason::Policy,
        EscalationReason::ComplexCase,
        EscalationReason::Other,
    ];
    let priorities = [Priority::Low, Priority::Normal, Priority::High];
    for (i, reason) in reasons.into_iter().enumerate() {
        let full = i % 2 == 0;
        push(
            samples,
            &format!("{reason:?}"),
            SalesEscalate {
                reason,
                summary: "Shopper wants a refund for order FA-1042.".into(),
                customer: if full {
                    full_customer()
                } else {
                    bare_customer()
                },
                channel: CHANNELS[i % CHANNELS.len()],
                priority: priorities[i % priorities.len()],
                last_messages: full.then(|| {
                    [Role::Customer, Role::Ai, Role::Human, Role::System]
                        .into_iter()
                        .map(|role| TranscriptMessage {
                            role,
                            text: format!("{role:?} says hi"),
                            at: at(),
                        })
                        .collect()
                }),
            },
        );
    }
    push(
        samples,
        "handed back with note",
        SalesResolved {
            resolved_by: "agent-7".into(),
            resolution: Resolution::HandedBack,
            note: Some("Refund issued; offer 10% off next order.".into()),
        },
    );
    push(
        samples,
        "closed",
        SalesResolved {
            resolved_by: "Bruno".into(),
            resolution: Resolution::Closed,
            note: None,
        },
    );
}
