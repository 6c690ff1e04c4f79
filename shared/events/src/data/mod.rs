//! Typed `data` of every event type, one module per area.
//!
//! Each struct implements [`crate::EventData`]; its JSON Schema lives in
//! `proto-events/schemas/<type>.v<version>.json` and [`crate::catalog::ALL`]
//! lists every type so tests can check that each one has a schema.
//!
//! Conventions, mirrored by the schemas: field and enum names are
//! `snake_case`; optional fields are left out rather than `null`; times are
//! RFC 3339 UTC; money is [`common::Money`] in minor units. The top level of
//! an event's data is open (consumers ignore unknown fields, so a field can
//! be added without a new version); nested objects are closed (an unknown
//! field is an error), which is how an order item is kept free of prices.

pub mod channel;
pub mod chat;
pub mod common;
pub mod inventory;
pub mod media;
pub mod order;
pub mod product;
pub mod response;
pub mod sales;

pub use channel::{
    TelegramMessageReceived, WhatsAppError, WhatsAppMessageReceived, WhatsAppMessageStatus,
    WhatsAppStatus,
};
pub use chat::{ChatMessageNew, MediaKind, MessageContent, SharedContact};
pub use common::{Channel, Currency, CurrencyError, Customer, ErrorDetail, Money, OrderStatus};
pub use inventory::{
    InventoryChanged, InventoryRelease, InventoryReservation, InventoryReserve, ReleaseReason,
    ReservationOutcome, ReservedLine, StockChangeReason, StockLevel,
};
pub use media::{ChatMediaFetch, ChatMediaFetchResult, MAX_MEDIA_BYTES};
pub use order::{
    CancelOutcome, Delivery, OrderCancel, OrderCancelResult, OrderCreate, OrderCreated, OrderItem,
    OrderLine, OrderRejected, OrderStatusChanged, Payment, RejectedItem, RejectionReason,
};
pub use product::{
    ProductFilters, ProductQuery, ProductQueryResult, ProductRecommend, ProductRecommendResult,
    ProductSummary, RecommendMode,
};
pub use response::{
    Button, ChatDelivery, ChatResponse, DeliveryStatus, ListRow, ListSection, ProductCard,
    ResponsePart, Sender, parts_text,
};
pub use sales::{
    DeferralReason, DraftSource, EscalationReason, Priority, Resolution, Role, SalesClaimed,
    SalesDeferred, SalesDraft, SalesDraftResult, SalesEscalate, SalesResolved, TranscriptMessage,
};
