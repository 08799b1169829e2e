//! What every request handler shares: the application's services, and what only HTTP needs
//! (order tokens, metrics, the public URL, the settings of the HTTP layer).

use crate::app::downloads::{DownloadService, StreamLimits};
use crate::app::{
    BasketService, CatalogService, EventService, OperationsService, OrderService,
    TenantSettingsService, WebhookService,
};
use crate::auth::OrderTokenCodec;
use crate::config::Settings;
use crate::telemetry::Metrics;
use std::sync::Arc;

/// Shared application state, built once by `Application::build`.
pub struct AppState {
    pub settings: Arc<Settings>,
    /// Signs and verifies public order tokens.
    pub order_tokens: OrderTokenCodec,
    pub metrics: Arc<Metrics>,
    /// Base of every URL the service writes (no trailing slash).
    pub public_url: String,
    pub orders: OrderService,
    pub baskets: BasketService,
    pub catalog: CatalogService,
    pub tenant_settings: TenantSettingsService,
    pub operations: OperationsService,
    /// Streamed answers open per user (`downloads.max_streams_per_user`), shared with the
    /// download service.
    pub stream_limits: StreamLimits,
    /// Files, zips, metalinks and file listings of orders.
    pub downloads: DownloadService,
    /// Live event streams (and the feed every event channel follows).
    pub events: EventService,
    /// Webhooks: registration, listings, delivery figures.
    pub webhooks: WebhookService,
}
