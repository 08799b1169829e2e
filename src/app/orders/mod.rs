//! Orders: created from the requester's basket (or automatically from queries), restarted,
//! read, listed, searched and exported, and driven through their lifecycle (pause, resume,
//! retry, delete, remove). The order engine runs each order; this service decides who may
//! ask what and turns the answers into the application's results.

mod apply;
mod create;
mod lifecycle;
mod read;
mod search;

pub use apply::{Applied, AutomaticOrder, MAX_CORRELATION_ID};
pub use create::OrderOptions;
pub use read::OrderListing;

use super::{BasketService, TenantSettingsService};
use regards_order_actors::engine::Engine;
use regards_order_actors::ports::OrderQueries;
use std::sync::Arc;

/// Creates, reads and manages orders.
#[derive(Clone)]
pub struct OrderService {
    store: Arc<dyn OrderQueries>,
    engine: Engine,
    /// Order creation holds the basket it archives.
    baskets: BasketService,
    settings: TenantSettingsService,
}

impl OrderService {
    /// A service over `store` and `engine`, sharing the basket locks of `baskets`.
    pub fn new(
        store: Arc<dyn OrderQueries>,
        engine: Engine,
        baskets: BasketService,
        settings: TenantSettingsService,
    ) -> Self {
        Self {
            store,
            engine,
            baskets,
            settings,
        }
    }
}
