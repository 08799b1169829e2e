//! The engine as the rest of the service sees it: one method per intent (act on an order,
//! read its view, sync it to the store, record what was downloaded, operators' figures).
//! Which actor answers, and the messages it is sent, stay inside the engine.

use super::error::EngineError;
use super::order::Renderings;
use super::order::{
    Act, Action, ActionError, Download, FilesDownloaded, GetOrder, OrderActor, OrderOwner,
    OrderSnapshot, RangeServed, RecordCrcs, Requester, SyncToStore,
};
use super::persistence::{Flush, PersistenceActor};
use super::registry::{
    Activate, ActivationError, ActorMap, Entry, Recovered, RegistryActor, StartOrder,
};
use super::slots::SlotScheduler;
use super::{DatabaseHealth, EngineConfig, EngineDeps, EngineStatus, prober, status};
use crate::domain::Tenant;
use crate::domain::order::{FileState, Order, OrderStatus};
use crate::ports::{DatabaseProbe, OrderBuilder, OrderJournal, StorageResolver, StoreError};
use actix::dev::ToEnvelope;
use actix::prelude::*;
use futures::StreamExt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

/// Orders a restart reads at once (see `Engine::recover`).
const RECOVER_CHUNK: usize = 1_000;

/// Answer of an actor that did not answer within the call timeout.
const NO_ANSWER: &str = "the order actor did not answer in time";

/// Answer when an order's actor stopped twice while asked.
const KEEPS_STOPPING: &str = "the order actor keeps stopping";

/// Answer when the engine's own actors do not take the call.
const ENGINE_BUSY: &str = "the order engine is busy";

/// Answer while an order's actor waits to be re-created after it died.
const RESTARTING: &str = "the order's actor is restarting, please try again later";

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
            run_queue: super::order::RunQueue::default(),
            alarms: super::order::Alarms::default(),
            owner: OnceLock::new(),
            restarts: std::sync::atomic::AtomicU64::new(0),
        });
        let map = Arc::new(ActorMap::new());
        let registry = RegistryActor::new(deps.clone(), map.clone(), arbiters).start();
        let _ = deps.owner.set(OrderOwner {
            passivated: registry.clone().recipient(),
            reload: registry.clone().recipient(),
        });
        prober::start(deps.clone());
        Self {
            deps,
            registry,
            map,
        }
    }

    /// Runs a lifecycle action on the order; answers the order once the change is committed.
    pub async fn act(
        &self,
        tenant: &Tenant,
        order_id: i64,
        action: Action,
        requester: Requester,
    ) -> Result<OrderSnapshot, EngineError> {
        let answer = self
            .call(tenant, order_id, || Act {
                action,
                requester: requester.clone(),
            })
            .await?;
        Ok(answer?)
    }

    /// Published view if the actor published one, else asks the active actor, else reads the
    /// store.
    pub async fn view(
        &self,
        tenant: &Tenant,
        order_id: i64,
    ) -> Result<Arc<OrderSnapshot>, EngineError> {
        // Status reads are the most frequent request: an active order's actor publishes the
        // order at each change, read without a message (the message is the fallback before
        // the first publication).
        // Only the published snapshot is taken from the entry (no copy of the actor's address).
        let published = self.with_active(tenant, order_id, |entry| entry.view.get());
        match published {
            // Shared, not copied: readers keep what they derive from it with it.
            Some(Some(view)) => return Ok(view),
            Some(None) => return self.call(tenant, order_id, || GetOrder).await.map(Arc::new),
            None => {}
        }
        let stored = self
            .deps
            .store
            .order_header(tenant, order_id)
            .await
            .map_err(EngineError::Store)?
            .ok_or(EngineError::NotFound)?;
        let effectively_paused = stored.header.status == OrderStatus::Paused;
        Ok(Arc::new(OrderSnapshot {
            header: stored.header.into(),
            tasks: stored.tasks.into(),
            effectively_paused,
            rendered: Renderings::default(),
        }))
    }

    /// Has the active actor write what it has not written yet (Ok at once when not active),
    /// so that a reader of the database right after sees what the actor shows.
    pub async fn sync_to_store(&self, tenant: &Tenant, order_id: i64) -> Result<(), EngineError> {
        if self.active(tenant, order_id).is_none() {
            return Ok(());
        }
        Ok(self.call(tenant, order_id, || SyncToStore).await??)
    }

    /// Files were downloaded (DOWNLOADED) or failed to (DOWNLOAD_ERROR, with the reason):
    /// recorded as progress, written within the flush delay.
    pub async fn files_downloaded(
        &self,
        tenant: &Tenant,
        order_id: i64,
        files: Vec<(i64, FileState, Option<String>)>,
    ) -> Result<(), EngineError> {
        self.call(tenant, order_id, || FilesDownloaded {
            files: files.clone(),
        })
        .await
    }

    /// Bytes `range` of `download` (`size` bytes long) reached their client; true once the
    /// ranges served cover the download (see `RangeServed`).
    pub async fn range_served(
        &self,
        tenant: &Tenant,
        order_id: i64,
        download: Download,
        range: std::ops::Range<u64>,
        size: u64,
    ) -> Result<bool, EngineError> {
        self.call(tenant, order_id, || RangeServed {
            download,
            range: range.clone(),
            size,
        })
        .await
    }

    /// CRC-32s measured outside retrieval (a first zip), recorded as progress.
    pub async fn record_crcs(
        &self,
        tenant: &Tenant,
        order_id: i64,
        crcs: Vec<(i64, u32)>,
    ) -> Result<(), EngineError> {
        self.call(tenant, order_id, || RecordCrcs(crcs.clone()))
            .await
    }

    /// Makes the order's actor panic, to test how the engine re-creates it.
    #[cfg(feature = "fault-injection")]
    pub async fn crash(&self, tenant: &Tenant, order_id: i64) -> Result<(), EngineError> {
        self.call(tenant, order_id, || super::order::Crash).await
    }

    /// Starts the actor of a new order (already stored as PENDING); creation runs in it.
    pub async fn start_order(&self, order: Order) -> Result<(), EngineError> {
        self.registry
            .send(StartOrder(order))
            .timeout(self.deps.config.call_timeout)
            .await
            .map(|_| ())
            .map_err(mailbox)
    }

    /// Re-activates every order a restart must resume (PENDING, RUNNING, PAUSED, and
    /// finished orders with files to expire); answers how many. The orders are read
    /// [`RECOVER_CHUNK`] at a time, many per query, the next chunk read while the registry
    /// starts the actors of the last one.
    pub async fn recover(&self) -> Result<usize, EngineError> {
        let orders = self
            .deps
            .store
            .orders_to_recover()
            .await
            .map_err(EngineError::Store)?;
        // What persistence still holds is written first, so the loads see it.
        self.flush().await?;
        let store = &self.deps.store;
        let mut loads = futures::stream::iter(orders.chunks(RECOVER_CHUNK))
            .map(|chunk| store.load_orders(chunk))
            .buffered(2);
        while let Some(loaded) = loads.next().await {
            let loaded = loaded.map_err(EngineError::Store)?;
            self.registry
                .send(Recovered(loaded))
                .await
                .map_err(mailbox)?;
        }
        Ok(orders.len())
    }

    /// Writes every queued change (graceful shutdown).
    pub async fn flush(&self) -> Result<(), EngineError> {
        for p in &self.deps.persistence {
            p.send(Flush)
                .timeout(self.deps.config.call_timeout)
                .await
                .map_err(mailbox)?
                .map_err(EngineError::NotCommitted)?;
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

    /// Whether the database takes writes now, as the engine last saw it.
    pub fn database(&self) -> &DatabaseHealth {
        &self.deps.health
    }

    /// Number of active order actors.
    pub fn active_count(&self) -> usize {
        self.map.len()
    }

    /// Order actors re-created after they died, since start.
    pub fn restarts(&self) -> u64 {
        self.deps.restarts.load(Ordering::Relaxed)
    }

    /// The engine's settings.
    pub fn config(&self) -> &EngineConfig {
        &self.deps.config
    }

    /// The actor of an order if it is active now (no activation).
    fn active(&self, tenant: &Tenant, id: i64) -> Option<Entry> {
        self.with_active(tenant, id, Entry::clone)
    }

    /// What `read` takes from the entry of an order's actor if it is active now, under the
    /// registry map's lock (no copy of the entry).
    fn with_active<R>(
        &self,
        tenant: &Tenant,
        id: i64,
        read: impl FnOnce(&Entry) -> R,
    ) -> Option<R> {
        self.map
            .get(&(tenant.clone(), id))
            .filter(|entry| entry.addr.connected())
            .map(|entry| read(entry.value()))
    }

    /// The actor of an order, activated from the database when needed; None when the order
    /// does not exist in this tenant.
    async fn actor(&self, tenant: &Tenant, id: i64) -> Result<Option<Entry>, EngineError> {
        if let Some(entry) = self.active(tenant, id) {
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
            .map_err(mailbox)?
            .map_err(EngineError::from)
    }

    /// Sends `make()` to the order's actor and waits for the answer (`NotFound`: no such
    /// order). An actor found dead is re-created once from the database and asked again.
    async fn call<M, F>(&self, tenant: &Tenant, id: i64, make: F) -> Result<M::Result, EngineError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        OrderActor: Handler<M>,
        <OrderActor as Actor>::Context: ToEnvelope<OrderActor, M>,
        F: Fn() -> M,
    {
        for _ in 0..2 {
            let Some(entry) = self.actor(tenant, id).await? else {
                return Err(EngineError::NotFound);
            };
            entry.gauges.mailbox.fetch_add(1, Ordering::Relaxed);
            let answer = entry
                .addr
                .send(make())
                .timeout(self.deps.config.call_timeout)
                .await;
            entry.gauges.mailbox.fetch_sub(1, Ordering::Relaxed);
            match answer {
                Ok(result) => return Ok(result),
                Err(MailboxError::Closed) => continue,
                Err(MailboxError::Timeout) => return Err(EngineError::Busy(NO_ANSWER)),
            }
        }
        Err(EngineError::Busy(KEEPS_STOPPING))
    }
}

/// An engine actor (registry, scheduler, writer) that did not take a call in time.
pub(super) fn mailbox(_: MailboxError) -> EngineError {
    EngineError::Busy(ENGINE_BUSY)
}

impl From<ActionError> for EngineError {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::Refused(refusal) => EngineError::Refused(refusal),
            ActionError::Unavailable => EngineError::DatabaseUnavailable,
            ActionError::Persist(e) => EngineError::NotCommitted(e),
        }
    }
}

impl From<ActivationError> for EngineError {
    fn from(e: ActivationError) -> Self {
        match e {
            ActivationError::Restarting { .. } => EngineError::Busy(RESTARTING),
            ActivationError::DatabaseUnavailable(_) => EngineError::DatabaseUnavailable,
            // Shared by every caller of one load: each gets the cause behind its own error.
            ActivationError::Database(cause) => {
                EngineError::Store(StoreError::Database(Box::new(cause)))
            }
            ActivationError::Dropped => EngineError::Busy(ENGINE_BUSY),
        }
    }
}
