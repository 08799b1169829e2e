//! The registry actor: the only writer of the map from (tenant, order id) to order actor.
//! It activates order actors on demand from the database, spreads them over one arbiter per
//! core, forgets passivated ones, and re-creates those whose mailbox closed (a panic ends an
//! actix actor: nothing restarts it by itself) with backoff, and those that stopped to reload
//! from the database once it is up. Handlers read the map through a `DashMap` it publishes,
//! so the registry is not on the path of every request.

mod handlers;
mod messages;
mod restarts;

pub use messages::{Activate, ActivationError, Recovered, RegistryStatus, StartOrder, Status};
pub use restarts::OrderKey;

use crate::domain::Tenant;
use crate::domain::order::Order;
use crate::engine::EngineDeps;
use crate::engine::order::{ActorGauges, OrderActor, PublishedView};
use crate::engine::persistence::Flush;
use crate::ports::StoredOrder;
use actix::prelude::*;
use dashmap::DashMap;
use restarts::Restarts;
use std::collections::HashMap;
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// How often the registry looks for actors that died.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Pause before a failed re-creation is tried again once the database is up: a load that
/// fails for another reason is not retried in a tight loop.
const RELOAD_RETRY: Duration = Duration::from_secs(1);

/// An order actor's address, gauges and published view.
#[derive(Clone)]
pub struct Entry {
    pub addr: Addr<OrderActor>,
    pub gauges: Arc<ActorGauges>,
    pub view: Arc<PublishedView>,
}

/// The published map.
pub type ActorMap = DashMap<(Tenant, i64), Entry>;

type Waiter = oneshot::Sender<Result<Option<Entry>, ActivationError>>;
type Waiters = Vec<Waiter>;

/// Owner of the order actors.
pub struct RegistryActor {
    deps: Arc<EngineDeps>,
    map: Arc<ActorMap>,
    arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
    loading: HashMap<OrderKey, Waiters>,
    restarts: Restarts,
}

impl RegistryActor {
    /// A registry publishing into `map`, starting order actors on `arbiters`.
    pub fn new(deps: Arc<EngineDeps>, map: Arc<ActorMap>, arbiters: Vec<ArbiterHandle>) -> Self {
        Self {
            deps,
            map,
            arbiters,
            next_arbiter: 0,
            loading: HashMap::new(),
            restarts: Restarts::default(),
        }
    }

    /// Starts an actor for `order` on an arbiter picked by the order id, and publishes it.
    fn spawn_actor(&mut self, order: Order, stale_header: bool) -> Entry {
        let key = (order.tenant.clone(), order.header.id);
        let restarts = self.restarts.total(&key);
        let gauges = Arc::new(ActorGauges::default());
        let view = Arc::new(PublishedView::default());
        let deps = self.deps.clone();
        let (actor_gauges, actor_view) = (gauges.clone(), view.clone());
        let make = move || {
            OrderActor::new(
                order,
                deps,
                actor_gauges,
                actor_view,
                restarts,
                stale_header,
            )
        };
        let addr = if self.arbiters.is_empty() {
            make().start()
        } else {
            let index = usize::try_from(key.1.unsigned_abs()).unwrap_or(self.next_arbiter)
                % self.arbiters.len();
            self.next_arbiter += 1;
            OrderActor::start_in_arbiter(&self.arbiters[index], move |_| make())
        };
        let entry = Entry { addr, gauges, view };
        self.map.insert(key, entry.clone());
        entry
    }

    /// Starts the actor of an order as stored.
    fn spawn_stored(&mut self, tenant: Tenant, stored: StoredOrder) -> Entry {
        let stored_header = stored.header.clone();
        let order = Order::new(
            tenant,
            stored.header,
            stored.tasks,
            stored.suborders,
            stored.files,
        );
        // Counters are recomputed from the files: a header written before the last
        // progress (an action that failed to commit) is rewritten.
        let stale = *order.header != stored_header;
        self.spawn_actor(order, stale)
    }

    /// Starts the actors of orders a restart loaded, but for those already active or being
    /// loaded (an activation on demand came first); answers how many it started.
    fn adopt(&mut self, orders: Vec<(Tenant, StoredOrder)>) -> usize {
        let mut started = 0;
        for (tenant, stored) in orders {
            let key = (tenant, stored.header.id);
            let alive = self.map.get(&key).is_some_and(|e| e.addr.connected());
            if alive || self.loading.contains_key(&key) {
                continue;
            }
            self.spawn_stored(key.0, stored);
            started += 1;
        }
        started
    }

    /// Counts an actor whose mailbox closed without passivation, and schedules its
    /// re-creation after the backoff its deaths call for.
    fn note_death(&mut self, key: &OrderKey, ctx: &mut Context<Self>) {
        if self.map.remove(key).is_none() {
            return;
        }
        let delay = self.restarts.died(key);
        self.deps
            .restarts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::warn!(
            tenant = %key.0,
            order_id = key.1,
            deaths = self.restarts.total(key),
            restart_in_secs = delay.as_secs(),
            "order actor died; re-created from the database after a pause"
        );
        let key = key.clone();
        ctx.run_later(delay, move |act, ctx| act.recreate(key, ctx));
    }

    /// Re-creates an order's actor from the database; tried again once the database is up
    /// when that fails.
    fn recreate(&mut self, key: OrderKey, ctx: &mut Context<Self>) {
        self.restarts.recreating(&key);
        let alive = self.map.get(&key).is_some_and(|e| e.addr.connected());
        if alive || self.loading.contains_key(&key) {
            return;
        }
        let (tx, rx) = oneshot::channel();
        self.activate(key.clone(), tx, ctx);
        ctx.spawn(rx.into_actor(self).map(move |outcome, act, ctx| {
            if let Ok(Err(ActivationError::Database(e))) = &outcome {
                // No caller hears of this failure: it is logged here.
                tracing::error!(tenant = %key.0, order_id = key.1, error = %e, cause = ?e.source(), "cannot re-create an order actor");
            }
            if !matches!(outcome, Ok(Ok(_))) {
                act.recreate_when_up(key, ctx);
            }
        }));
    }

    /// Re-creates an order's actor once the database takes writes again.
    fn recreate_when_up(&mut self, key: OrderKey, ctx: &mut Context<Self>) {
        let health = self.deps.health.clone();
        let wait = async move {
            tokio::time::sleep(RELOAD_RETRY).await;
            health.wait_until_up().await;
        };
        ctx.spawn(
            wait.into_actor(self)
                .map(move |(), act, ctx| act.recreate(key, ctx)),
        );
    }

    /// Loads the order and starts its actor; concurrent activations share one load. What the
    /// order's persistence actor still holds is written first, so the load sees every change
    /// an earlier life of the actor made.
    fn activate(&mut self, key: OrderKey, waiter: Waiter, ctx: &mut Context<Self>) {
        if let Some(waiters) = self.loading.get_mut(&key) {
            waiters.push(waiter);
            return;
        }
        if !self.deps.health.is_up() {
            // Loading needs the database, and the order's queued changes written first.
            let _ = waiter.send(Err(ActivationError::DatabaseUnavailable(
                "the database is down".into(),
            )));
            return;
        }
        self.loading.insert(key.clone(), vec![waiter]);
        let store = self.deps.store.clone();
        let writer = self.deps.persistence_of(key.1).clone();
        let timeout = self.deps.config.commit_timeout;
        let load = async move {
            let loaded = load(writer, store.as_ref(), &key, timeout).await;
            (key, loaded)
        };
        ctx.spawn(load.into_actor(self).map(|(key, loaded), act, _| {
            let result = match loaded {
                Ok(stored) => Ok(stored.map(|s| act.spawn_stored(key.0.clone(), s))),
                Err(e) => Err(e),
            };
            for w in act.loading.remove(&key).unwrap_or_default() {
                let _ = w.send(result.clone());
            }
        }));
    }

    /// Re-creates the actors of live orders that died, without waiting for a request, and
    /// forgets deaths of long ago.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let dead: Vec<OrderKey> = self
            .map
            .iter()
            .filter(|e| !e.value().addr.connected())
            .map(|e| e.key().clone())
            .collect();
        for key in dead {
            self.note_death(&key, ctx);
        }
        self.restarts.prune();
    }
}

/// Writes what the order's persistence actor holds, then reads the order.
async fn load(
    writer: Addr<crate::engine::persistence::PersistenceActor>,
    store: &dyn crate::ports::OrderJournal,
    key: &OrderKey,
    timeout: Duration,
) -> Result<Option<StoredOrder>, ActivationError> {
    match writer.send(Flush).timeout(timeout).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(ActivationError::DatabaseUnavailable(e.to_string())),
        Err(e) => return Err(ActivationError::DatabaseUnavailable(e.to_string())),
    }
    store.load_order(&key.0, key.1).await.map_err(|e| {
        if e.is_unavailable() {
            ActivationError::DatabaseUnavailable(e.to_string())
        } else {
            ActivationError::Database(Arc::new(e))
        }
    })
}

impl Actor for RegistryActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(4096);
        ctx.run_interval(SWEEP_EVERY, |act, ctx| act.sweep(ctx));
    }
}
