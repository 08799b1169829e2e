//! What every request handler shares.

use crate::auth::{OrderTokenCodec, TokenCodec};
use crate::basket::BasketService;
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
    pub store: Arc<dyn Store>,
    /// Verifies bearer tokens.
    pub tokens: TokenCodec,
    /// Signs and verifies public order tokens.
    pub order_tokens: OrderTokenCodec,
    pub metrics: Arc<Metrics>,
    /// Base of every URL the service writes (no trailing slash).
    pub public_url: String,
    pub baskets: BasketService,
    /// The order engine (registry, order actors, persistence actors).
    pub engine: Engine,
    pub storages: Arc<Storages>,
    /// Streamed downloads open per user (`downloads.max_streams_per_user`).
    pub stream_limits: StreamLimits,
}
