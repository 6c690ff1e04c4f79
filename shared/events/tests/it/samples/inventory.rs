//! Samples of the inventory protocol between the order processor and the
//! catalog.

use store_events::data::*;

use super::{Samples, brl, push};

pub fn add(samples: &mut Samples) {
    let items = vec![
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
    ];
    push(
        samples,
        "two items",
        InventoryReserve {
            reservation_id: "0195a1b2-1111-7000-8000-000000000009".into(),
            items,
        },
    );
    push(
        samples,
        "reserved",
        InventoryReservation {
            reservation_id: "r1".into(),
            outcome: ReservationOutcome::Reserved,
            lines: vec![
                ReservedLine {
                    product_id: "p1".into(),
                    variant_id: Some("p1-m-red".into()),
                    sku: "DRS-001-M-RED".into(),
                    name: "Vestido midi (M, red)".into(),
                    quantity: 2,
                    unit_price: brl(19990),
                },
                ReservedLine {
                    product_id: "p2".into(),
                    variant_id: None,
                    sku: "BAG-002".into(),
                    name: "Bolsa".into(),
                    quantity: 1,
                    unit_price: brl(8990),
                },
            ],
            refusals: vec![],
            error: None,
        },
    );
    push(
        samples,
        "refused",
        InventoryReservation {
            reservation_id: "r2".into(),
            outcome: ReservationOutcome::Refused,
            lines: vec![],
            refusals: vec![RejectedItem {
                line: 0,
                product_id: "p1".into(),
                variant_id: Some("p1-m-red".into()),
                reason: RejectionReason::OutOfStock,
                available: Some(1),
                detail: Some("only 1 left".into()),
            }],
            error: None,
        },
    );
    push(
        samples,
        "failed",
        InventoryReservation {
            reservation_id: "r3".into(),
            outcome: ReservationOutcome::Failed,
            lines: vec![],
            refusals: vec![],
            error: Some(ErrorDetail {
                code: "bad_request".into(),
                message: "the request names no brand".into(),
            }),
        },
    );
    for reason in [
        ReleaseReason::Expired,
        ReleaseReason::Cancelled,
        ReleaseReason::Abandoned,
    ] {
        push(
            samples,
            &format!("{reason:?}"),
            InventoryRelease {
                reservation_id: "r1".into(),
                reason,
            },
        );
    }
    for (i, reason) in [
        StockChangeReason::Reserved,
        StockChangeReason::Released,
        StockChangeReason::Adjusted,
        StockChangeReason::Imported,
    ]
    .into_iter()
    .enumerate()
    {
        let full = i % 2 == 0;
        push(
            samples,
            &format!("{reason:?}"),
            InventoryChanged {
                reason,
                reservation_id: full.then(|| "r1".into()),
                items: vec![StockLevel {
                    product_id: "p1".into(),
                    variant_id: full.then(|| "p1-m-red".into()),
                    sku: "DRS-001-M-RED".into(),
                    stock: 5,
                    delta: if full { -2 } else { 3 },
                }],
            },
        );
    }
}
