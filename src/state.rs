//! What every request handler shares: the application's services, and what only HTTP needs
//! (order tokens, metrics, the public URL, the settings of the HTTP layer).

use crate::app::{
    BasketService, CatalogService, OperationsService, OrderService, TenantSettingsService,
};
use crate::auth::OrderTokenCodec;
use crate::config::Settings;
use crate::downloads::limits::StreamLimits;
use crate::storage::Storages;
use crate::telemetry::Metrics;
use regards_order_actors::engine::Engine;
use regards_order_actors::ports::Store;
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
    /// The downloads' dependencies, until they have a service of their own.
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub storages: Arc<Storages>,
    /// Streamed downloads open per user (`downloads.max_streams_per_user`).
    pub stream_limits: StreamLimits,
}
