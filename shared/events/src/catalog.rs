//! The list of every event type agent-store knows, for schema checks,
//! documentation and tooling.

use crate::{EventData, data::*};

/// One known event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// CloudEvents `type`.
    pub ty: &'static str,
    /// Major version of its data schema.
    pub version: u32,
}

impl EventType {
    /// The type and version of the data struct `D`.
    pub const fn of<D: EventData>() -> Self {
        Self {
            ty: D::TYPE,
            version: D::VERSION,
        }
    }

    /// File name of its schema under `proto-events/schemas/`.
    pub fn schema_file(&self) -> String {
        format!("{}.v{}.json", self.ty, self.version)
    }

    /// Its `dataschema` URI.
    pub fn dataschema(&self) -> String {
        format!("{}/{}", crate::envelope::SCHEMA_BASE, self.schema_file())
    }
}

/// Every event type, in the order of the design brief's table (the catalog's
/// replies follow their requests), then the inventory protocol between the
/// order processor and the catalog, then the media a seller fetches through
/// the gateway.
pub const ALL: &[EventType] = &[
    EventType::of::<WhatsAppMessageReceived>(),
    EventType::of::<TelegramMessageReceived>(),
    EventType::of::<ChatMessageNew>(),
    EventType::of::<ProductQuery>(),
    EventType::of::<ProductQueryResult>(),
    EventType::of::<ProductRecommend>(),
    EventType::of::<ProductRecommendResult>(),
    EventType::of::<OrderCreate>(),
    EventType::of::<OrderCreated>(),
    EventType::of::<OrderRejected>(),
    EventType::of::<OrderStatusChanged>(),
    EventType::of::<OrderCancel>(),
    EventType::of::<OrderCancelResult>(),
    EventType::of::<SalesEscalate>(),
    EventType::of::<SalesResolved>(),
    EventType::of::<SalesClaimed>(),
    EventType::of::<SalesDeferred>(),
    EventType::of::<SalesDraft>(),
    EventType::of::<SalesDraftResult>(),
    EventType::of::<ChatResponse>(),
    EventType::of::<ChatDelivery>(),
    EventType::of::<WhatsAppMessageStatus>(),
    EventType::of::<InventoryReserve>(),
    EventType::of::<InventoryReservation>(),
    EventType::of::<InventoryRelease>(),
    EventType::of::<InventoryChanged>(),
    EventType::of::<ChatMediaFetch>(),
    EventType::of::<ChatMediaFetchResult>(),
];

/// The known event type named `ty`, if any.
pub fn find(ty: &str) -> Option<EventType> {
    ALL.iter().copied().find(|known| known.ty == ty)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn types_are_unique_and_namespaced() {
        let unique: HashSet<_> = ALL.iter().map(|t| t.ty).collect();
        assert_eq!(unique.len(), ALL.len());
        assert!(
            ALL.iter()
                .all(|t| t.ty.starts_with("store.") && t.version >= 1)
        );
    }

    #[test]
    fn schema_file_and_dataschema_agree() {
        let ty = EventType::of::<OrderCreate>();
        assert_eq!(ty.schema_file(), "store.order.create.v1.json");
        assert_eq!(ty.dataschema(), OrderCreate::dataschema());
    }
}
