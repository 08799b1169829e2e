//! Settings of the engine.

use std::time::Duration;

/// How the engine runs (from the service's configuration).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Arbiters (threads) the order actors are spread over: one per core.
    pub arbiters: usize,
    /// Persistence actors; orders are sharded over them by id.
    pub persistence_shards: usize,
    /// Longest time a background change waits before its transaction.
    pub flush_delay: Duration,
    /// A finished order with nothing to expire is passivated after this idle time.
    pub passivate_after: Duration,
    /// Retrievals one sub-order runs at once (storages bound them further by their drives).
    pub retrievals_per_suborder: usize,
    /// Hours restored files stay available, user orders.
    pub user_suborder_hours: u32,
    /// Same, applicative orders.
    pub app_suborder_hours: u32,
    /// Sub-orders a user may have active at once.
    pub max_suborders_per_user: usize,
    /// Longest wait for an actor's answer.
    pub call_timeout: Duration,
    /// Longest wait for an acknowledged change to commit: then the action fails (503).
    pub commit_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            arbiters: 2,
            persistence_shards: 1,
            flush_delay: Duration::from_millis(20),
            passivate_after: Duration::from_secs(60),
            retrievals_per_suborder: 32,
            user_suborder_hours: 240,
            app_suborder_hours: 2,
            max_suborders_per_user: 2,
            call_timeout: Duration::from_secs(30),
            commit_timeout: Duration::from_secs(5),
        }
    }
}
