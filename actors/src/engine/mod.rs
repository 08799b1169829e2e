//! The order engine: a registry actor routing to one supervised actor per active order,
//! a slot scheduler, and persistence actors writing changes in batches.

mod backoff;
mod config;
mod error;
mod facade;
pub mod health;
pub mod order;
mod persistence;
mod prober;
mod registry;
mod slots;
mod status;
#[cfg(test)]
mod tests;

pub use crate::domain::order::{FileState, Refusal};
pub use config::EngineConfig;
pub use error::EngineError;
pub use facade::Engine;
pub use health::DatabaseHealth;
pub use order::{Action, ActorInfo, Download, OrderSnapshot, RENDERINGS, Renderings, Requester};
pub use persistence::{PersistError, PersistenceStatus};
pub use slots::SlotsStatus;
pub use status::{EngineStatus, RegistryFigures, RestartingOrder};

use crate::ports::{DatabaseProbe, OrderBuilder, OrderJournal, StorageResolver};
use actix::prelude::*;
use persistence::PersistenceActor;
use slots::SlotScheduler;
use std::sync::{Arc, OnceLock};

/// What every actor of the engine shares.
pub(crate) struct EngineDeps {
    pub store: Arc<dyn OrderJournal>,
    pub probe: Arc<dyn DatabaseProbe>,
    pub builder: Arc<dyn OrderBuilder>,
    pub storages: Arc<dyn StorageResolver>,
    pub persistence: Vec<Addr<PersistenceActor>>,
    pub slots: Addr<SlotScheduler>,
    pub config: EngineConfig,
    /// Whether the database takes writes now.
    pub health: Arc<DatabaseHealth>,
    /// Sub-orders waiting for their storage to admit their retrieval run.
    pub run_queue: order::RunQueue,
    /// Expiration and idleness alarms of the order actors.
    pub alarms: order::Alarms,
    /// Told when an order actor stops on its own (set once the registry is started).
    owner: OnceLock<order::OrderOwner>,
    /// Order actors re-created after they died.
    pub restarts: std::sync::atomic::AtomicU64,
}

impl EngineDeps {
    /// Where order actors report their stops (set once the engine is started).
    pub fn owner(&self) -> Option<&order::OrderOwner> {
        self.owner.get()
    }

    /// The persistence actor that writes the changes of order `id` (always the same one, so
    /// that an order's changes are written in the order they were made).
    pub fn persistence_of(&self, id: i64) -> &Addr<PersistenceActor> {
        let index = usize::try_from(id.unsigned_abs()).unwrap_or(0) % self.persistence.len();
        &self.persistence[index]
    }
}
