//! Starting the order engine from the service's configuration.

use crate::config::Settings;
use crate::orders::builder::CatalogOrderBuilder;
use crate::storage::Storages;
use regards_order_actors::engine::{Engine, EngineConfig};
use regards_order_actors::ports::{Backend, Storage, StorageResolver, Store};
use std::sync::Arc;
use std::time::Duration;

impl StorageResolver for Storages {
    fn resolve(&self, location: &str) -> Option<Arc<dyn Storage>> {
        Storages::resolve(self, location)
    }

    fn all(&self) -> Vec<Arc<dyn Storage>> {
        Storages::all(self).to_vec()
    }
}

/// The engine's settings: one arbiter per core; one writer on SQLite (a single writer
/// anyway), two on Postgres.
pub fn engine_config(settings: &Settings, backend: Backend) -> EngineConfig {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    EngineConfig {
        arbiters: cores,
        persistence_shards: match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        },
        flush_delay: Duration::from_millis(settings.engine.flush_delay_ms),
        passivate_after: Duration::from_secs(settings.engine.passivate_after_secs),
        retrievals_per_suborder: settings.engine.retrievals_per_suborder.max(1),
        user_suborder_hours: settings.orders.user_suborder_duration_hours,
        app_suborder_hours: settings.orders.app_suborder_duration_hours,
        max_suborders_per_user: usize::try_from(settings.orders.max_active_suborders_per_user)
            .unwrap_or(usize::MAX),
        call_timeout: Duration::from_secs(30),
        commit_timeout: Duration::from_secs(settings.engine.commit_timeout_secs),
    }
}

/// Starts the engine's actors (inside the actix System).
pub fn start(settings: &Settings, store: Arc<dyn Store>, storages: Arc<Storages>) -> Engine {
    let builder = Arc::new(CatalogOrderBuilder::new(
        store.clone(),
        settings.orders.clone(),
    ));
    Engine::start(
        engine_config(settings, store.backend()),
        store.clone(),
        store,
        builder,
        storages,
    )
}
