//! The application layer: what the service does, whoever asks. Routes parse a request into a
//! `Requester` and arguments, call one method of a service here, and map its `AppError` to an
//! answer (in `http/error.rs`). Nothing here knows HTTP: no actix-web type, no `ApiError`, no
//! application state.

mod baskets;
mod catalog;
pub mod downloads;
mod error;
pub mod events;
mod operations;
pub mod order_messages;
pub mod orders;
mod requester;
mod role;
mod tenant_settings;
pub mod webhooks;

pub use baskets::BasketService;
pub use catalog::CatalogService;
pub use error::{AppError, AppResult, DATABASE_UNAVAILABLE};
pub use events::EventService;
pub use operations::{ActorCounts, EngineView, OperationsService, Readiness, StorageFigures};
pub use order_messages::OrderMessageService;
pub use orders::OrderService;
pub use requester::Requester;
pub use role::Role;
pub use tenant_settings::TenantSettingsService;
pub use webhooks::WebhookService;
