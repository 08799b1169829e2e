//! The order engine: a registry actor routing to one supervised actor per active order,
//! a slot scheduler, and persistence actors writing changes in batches.

mod backoff;
mod config;
pub mod health;
pub mod order;
pub mod persistence;
mod prober;
pub mod registry;
pub mod slots;
mod status;

pub use config::EngineConfig;
pub use health::DatabaseHealth;
pub use status::EngineStatus;

use crate::domain::Tenant;
use crate::domain::order::Order;
use crate::ports::{DatabaseProbe, OrderBuilder, OrderJournal, StorageResolver};
use actix::dev::ToEnvelope;
use actix::prelude::*;
use futures::StreamExt;
use order::OrderActor;
use persistence::{Flush, PersistenceActor};
use registry::{Activate, ActivationError, ActorMap, Entry, RegistryActor, StartOrder};
use slots::SlotScheduler;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

/// What every actor of the engine shares.
pub struct EngineDeps {
    pub store: Arc<dyn OrderJournal>,
    pub probe: Arc<dyn DatabaseProbe>,
    pub builder: Arc<dyn OrderBuilder>,
    pub storages: Arc<dyn StorageResolver>,
    pub persistence: Vec<Addr<PersistenceActor>>,
    pub slots: Addr<SlotScheduler>,
    pub config: EngineConfig,
    /// Whether the database takes writes now.
    pub health: Arc<DatabaseHealth>,
    registry: OnceLock<Addr<RegistryActor>>,
    /// Order actors re-created after they died.
    pub restarts: std::sync::atomic::AtomicU64,
}

impl EngineDeps {
    /// The registry (set once the engine is started).
    pub fn registry(&self) -> Option<&Addr<RegistryActor>> {
        self.registry.get()
    }

    /// The persistence actor that writes the changes of order `id` (always the same one, so
    /// that an order's changes are written in the order they were made).
    pub fn persistence_of(&self, id: i64) -> &Addr<PersistenceActor> {
        let index = usize::try_from(id.unsigned_abs()).unwrap_or(0) % self.persistence.len();
        &self.persistence[index]
    }
}

/// Why the engine could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Mailbox full, timeout, or an actor that keeps dying: try again later (503).
    #[error("the order engine is busy: {0}")]
    Unavailable(String),
    /// The database failed.
    #[error("the order engine cannot read the database: {0}")]
    Store(String),
}

/// Handle on the running engine, shared by the HTTP handlers.
#[derive(Clone)]
pub struct Engine {
    deps: Arc<EngineDeps>,
    registry: Addr<RegistryActor>,
    map: Arc<ActorMap>,
}

impl Engine {
    /// Starts the engine's actors; must run inside an actix System.
    pub fn start(
        config: EngineConfig,
        store: Arc<dyn OrderJournal>,
        probe: Arc<dyn DatabaseProbe>,
        builder: Arc<dyn OrderBuilder>,
        storages: Arc<dyn StorageResolver>,
    ) -> Self {
        let health = Arc::new(DatabaseHealth::default());
        let persistence = (0..config.persistence_shards.max(1))
            .map(|_| {
                PersistenceActor::new(store.clone(), health.clone(), config.flush_delay).start()
            })
            .collect();
        let slots = SlotScheduler::new(config.max_suborders_per_user).start();
        let arbiters: Vec<ArbiterHandle> = (0..config.arbiters)
            .map(|_| Arbiter::new().handle())
            .collect();
        let deps = Arc::new(EngineDeps {
            store,
            probe,
            builder,
            storages,
            persistence,
            slots,
            config,
            health,
            registry: OnceLock::new(),
            restarts: std::sync::atomic::AtomicU64::new(0),
        });
        let map = Arc::new(ActorMap::new());
        let registry = RegistryActor::new(deps.clone(), map.clone(), arbiters).start();
        let _ = deps.registry.set(registry.clone());
        prober::start(deps.clone());
        Self {
            deps,
            registry,
            map,
        }
    }

    /// The engine's settings.
    pub fn config(&self) -> &EngineConfig {
        &self.deps.config
    }

    /// Whether the database takes writes now, as the engine last saw it.
    pub fn database(&self) -> &DatabaseHealth {
        &self.deps.health
    }

    /// The actor of an order if it is active now (no activation).
    pub fn active(&self, tenant: &Tenant, id: i64) -> Option<Entry> {
        self.map
            .get(&(tenant.clone(), id))
            .map(|e| e.value().clone())
            .filter(|e| e.addr.connected())
    }

    /// Number of active order actors.
    pub fn active_count(&self) -> usize {
        self.map.len()
    }

    /// Order actors re-created after they died, since start.
    pub fn restarts(&self) -> u64 {
        self.deps.restarts.load(Ordering::Relaxed)
    }

    /// The actor of an order, activated from the database when needed; None when the order
    /// does not exist in this tenant.
    pub async fn actor(&self, tenant: &Tenant, id: i64) -> Result<Option<Entry>, EngineError> {
        if let Some(entry) = self
            .map
            .get(&(tenant.clone(), id))
            .map(|e| e.value().clone())
            && entry.addr.connected()
        {
            return Ok(Some(entry));
        }
        let activate = Activate {
            tenant: tenant.clone(),
            id,
        };
        self.registry
            .send(activate)
            .timeout(self.deps.config.call_timeout)
            .await
            .map_err(|e| EngineError::Unavailable(e.to_string()))?
            .map_err(|e| match e {
                ActivationError::Database(text) => EngineError::Store(text),
                other => EngineError::Unavailable(other.to_string()),
            })
    }

    /// Sends `make()` to the order's actor and waits for the answer (None: no such order).
    /// An actor found dead is re-created once from the database and asked again.
    pub async fn call<M, F>(
        &self,
        tenant: &Tenant,
        id: i64,
        make: F,
    ) -> Result<Option<M::Result>, EngineError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        OrderActor: Handler<M>,
        <OrderActor as Actor>::Context: ToEnvelope<OrderActor, M>,
        F: Fn() -> M,
    {
        for _ in 0..2 {
            let Some(entry) = self.actor(tenant, id).await? else {
                return Ok(None);
            };
            entry.gauges.mailbox.fetch_add(1, Ordering::Relaxed);
            let answer = entry
                .addr
                .send(make())
                .timeout(self.deps.config.call_timeout)
                .await;
            entry.gauges.mailbox.fetch_sub(1, Ordering::Relaxed);
            match answer {
                Ok(result) => return Ok(Some(result)),
                Err(MailboxError::Closed) => continue,
                Err(MailboxError::Timeout) => {
                    return Err(EngineError::Unavailable(
                        "the order actor did not answer in time".into(),
                    ));
                }
            }
        }
        Err(EngineError::Unavailable(
            "the order actor keeps stopping".into(),
        ))
    }

    /// Starts the actor of a new order (already stored as PENDING); creation runs in it.
    pub async fn start_order(&self, order: Order) -> Result<(), EngineError> {
        self.registry
            .send(StartOrder(order))
            .timeout(self.deps.config.call_timeout)
            .await
            .map(|_| ())
            .map_err(|e| EngineError::Unavailable(e.to_string()))
    }

    /// Re-activates every order a restart must resume (PENDING, RUNNING, PAUSED, and
    /// finished orders with files to expire); answers how many.
    pub async fn recover(&self) -> Result<usize, EngineError> {
        let orders = self
            .deps
            .store
            .orders_to_recover()
            .await
            .map_err(|e| EngineError::Store(e.to_string()))?;
        let count = orders.len();
        let results: Vec<_> = futures::stream::iter(orders)
            .map(|o| async move { self.actor(&o.tenant, o.id).await })
            .buffer_unordered(16)
            .collect()
            .await;
        for r in results {
            r?;
        }
        Ok(count)
    }

    /// Writes every queued change (graceful shutdown).
    pub async fn flush(&self) -> Result<(), EngineError> {
        for p in &self.deps.persistence {
            p.send(Flush)
                .timeout(self.deps.config.call_timeout)
                .await
                .map_err(|e| EngineError::Unavailable(e.to_string()))?
                .map_err(|e| EngineError::Store(e.to_string()))?;
        }
        Ok(())
    }

    /// Figures of the engine for operators: every tenant's orders (`scope` None) or one
    /// tenant's (see `EngineStatus` for the figures that stay engine-wide).
    pub async fn status(&self, scope: Option<&Tenant>) -> Result<EngineStatus, EngineError> {
        status::collect(&self.registry, &self.deps, scope).await
    }

    /// True when the engine's actors answer.
    pub fn is_running(&self) -> bool {
        self.registry.connected() && self.deps.slots.connected()
    }
}
