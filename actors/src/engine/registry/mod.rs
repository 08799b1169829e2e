//! The registry actor: the only writer of the map from (tenant, order id) to order actor.
//! It activates order actors on demand from the database, spreads them over one arbiter per
//! core, forgets passivated ones, and re-creates those whose mailbox closed (a panic ends an
//! actix actor: nothing restarts it by itself). Handlers read the map through a `DashMap`
//! it publishes, so the registry is not on the path of every request.

mod handlers;
mod messages;

pub use messages::{Activate, Passivated, RegistryStatus, StartOrder, Status};

use crate::domain::Tenant;
use crate::domain::order::Order;
use crate::engine::EngineDeps;
use crate::engine::order::{ActorGauges, OrderActor};
use actix::prelude::*;
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// How often the registry looks for actors that died.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// An order actor's address and gauges.
#[derive(Clone)]
pub struct Entry {
    pub addr: Addr<OrderActor>,
    pub gauges: Arc<ActorGauges>,
}

/// The published map.
pub type ActorMap = DashMap<(Tenant, i64), Entry>;

type Waiters = Vec<oneshot::Sender<Result<Option<Entry>, String>>>;

/// Owner of the order actors.
pub struct RegistryActor {
    deps: Arc<EngineDeps>,
    map: Arc<ActorMap>,
    arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
    loading: HashMap<(Tenant, i64), Waiters>,
    restarts: HashMap<(Tenant, i64), u32>,
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
            restarts: HashMap::new(),
        }
    }

    /// Starts an actor for `order` on an arbiter picked by the order id, and publishes it.
    fn spawn_actor(&mut self, order: Order) -> Entry {
        let key = (order.tenant.clone(), order.header.id);
        let restarts = self.restarts.get(&key).copied().unwrap_or(0);
        let gauges = Arc::new(ActorGauges::default());
        let deps = self.deps.clone();
        let actor_gauges = gauges.clone();
        let addr = if self.arbiters.is_empty() {
            OrderActor::new(order, deps, actor_gauges, restarts).start()
        } else {
            let index = usize::try_from(key.1.unsigned_abs()).unwrap_or(self.next_arbiter)
                % self.arbiters.len();
            self.next_arbiter += 1;
            OrderActor::start_in_arbiter(&self.arbiters[index], move |_| {
                OrderActor::new(order, deps, actor_gauges, restarts)
            })
        };
        let entry = Entry { addr, gauges };
        self.map.insert(key, entry.clone());
        entry
    }

    /// Counts and forgets an actor whose mailbox closed without passivation.
    fn note_death(&mut self, key: &(Tenant, i64)) {
        if self.map.remove(key).is_some() {
            *self.restarts.entry(key.clone()).or_insert(0) += 1;
            self.deps
                .restarts
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(tenant = %key.0, order_id = key.1, "order actor died; re-created from the database");
        }
    }

    /// Loads the order and starts its actor; concurrent activations share one load.
    fn activate(
        &mut self,
        key: (Tenant, i64),
        waiter: oneshot::Sender<Result<Option<Entry>, String>>,
        ctx: &mut Context<Self>,
    ) {
        if let Some(waiters) = self.loading.get_mut(&key) {
            waiters.push(waiter);
            return;
        }
        self.loading.insert(key.clone(), vec![waiter]);
        let store = self.deps.store.clone();
        let load = async move { store.load_order(&key.0, key.1).await.map(|o| (key, o)) };
        ctx.spawn(load.into_actor(self).map(|result, act, _| {
            let (key, result) = match result {
                Ok((key, stored)) => {
                    let entry = stored.map(|s| {
                        let order =
                            Order::new(key.0.clone(), s.header, s.tasks, s.suborders, s.files);
                        act.spawn_actor(order)
                    });
                    (key, Ok(entry))
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot load an order");
                    // Which key failed is unknown here: answer every loader that waits.
                    let keys: Vec<_> = act.loading.keys().cloned().collect();
                    for k in keys {
                        for w in act.loading.remove(&k).unwrap_or_default() {
                            let _ = w.send(Err(e.to_string()));
                        }
                    }
                    return;
                }
            };
            for w in act.loading.remove(&key).unwrap_or_default() {
                let _ = w.send(result.clone());
            }
        }));
    }

    /// Re-creates the actors of live orders that died, without waiting for a request.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let dead: Vec<(Tenant, i64)> = self
            .map
            .iter()
            .filter(|e| !e.value().addr.connected())
            .map(|e| e.key().clone())
            .collect();
        for key in dead {
            self.note_death(&key);
            let (tx, _rx) = oneshot::channel();
            self.activate(key, tx, ctx);
        }
    }
}

impl Actor for RegistryActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(4096);
        ctx.run_interval(SWEEP_EVERY, |act, ctx| act.sweep(ctx));
    }
}
