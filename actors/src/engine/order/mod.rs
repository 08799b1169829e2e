//! The order actor: owns one order's state and its retrieval tasks. Every change goes through
//! the aggregate; acknowledged changes are committed before the answer, background ones are
//! batched by the persistence actors.

mod handlers;
mod messages;
mod progress;
mod retrieval;

pub use messages::{
    Act, Action, ActionError, ActorInfo, Crash, FilesDownloaded, GetOrder, Inspect, OrderSnapshot,
    Requester, SyncToStore,
};

use crate::domain::order::{FileState, Order, OrderKind, OrderStatus};
use crate::engine::EngineDeps;
use crate::engine::persistence::{Persist, PersistError};
use crate::engine::registry::Passivated;
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Counters shared with the engine (which counts calls in flight) and with retrieval tasks,
/// and the order as the actor last published it.
#[derive(Debug, Default)]
pub struct ActorGauges {
    /// Calls sent to the actor and not yet answered.
    pub mailbox: AtomicUsize,
    /// Retrievals under way.
    pub in_flight: AtomicUsize,
    /// The order as of the actor's last change: reading an order is a lock read, not a
    /// message (status reads are the most frequent request).
    view: RwLock<Option<Arc<OrderSnapshot>>>,
}

impl ActorGauges {
    /// The order as its actor last published it (None before the actor started).
    pub fn view(&self) -> Option<Arc<OrderSnapshot>> {
        self.view
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn publish(&self, snapshot: OrderSnapshot) {
        *self.view.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(snapshot));
    }
}

/// One order, alive.
pub struct OrderActor {
    order: Order,
    deps: Arc<EngineDeps>,
    gauges: Arc<ActorGauges>,
    restarts: u32,
    /// Bumped whenever runs are cancelled, so that late results are ignored.
    generation: u64,
    runs: HashMap<i64, CancellationToken>,
    /// Sub-orders holding one of the user's slots.
    granted: HashSet<i64>,
    creating: bool,
    /// File changes not yet sent to the persistence actor.
    dirty_files: Vec<(i64, FileState, Option<String>)>,
    header_dirty: bool,
    /// Background changes were sent but no acknowledged write has followed them yet.
    unconfirmed: bool,
    flush_scheduled: bool,
    last_persisted: Option<DateTime<Utc>>,
    last_activity: Instant,
    expiry: Option<SpawnHandle>,
}

impl OrderActor {
    /// An actor for `order`; `restarts` counts the earlier lives of this order's actor.
    pub fn new(
        order: Order,
        deps: Arc<EngineDeps>,
        gauges: Arc<ActorGauges>,
        restarts: u32,
    ) -> Self {
        Self {
            order,
            deps,
            gauges,
            restarts,
            generation: 0,
            runs: HashMap::new(),
            granted: HashSet::new(),
            creating: false,
            dirty_files: Vec::new(),
            header_dirty: false,
            unconfirmed: false,
            flush_scheduled: false,
            last_persisted: None,
            last_activity: Instant::now(),
            expiry: None,
        }
    }

    fn id(&self) -> i64 {
        self.order.header.id
    }

    /// Hours restored files stay available for this order.
    fn keep_hours(&self) -> u32 {
        match self.order.header.kind {
            OrderKind::User => self.deps.config.user_suborder_hours,
            OrderKind::App => self.deps.config.app_suborder_hours,
        }
    }

    fn persistence(&self) -> Addr<crate::engine::persistence::PersistenceActor> {
        let shards = &self.deps.persistence;
        let index = usize::try_from(self.id().unsigned_abs()).unwrap_or(0) % shards.len().max(1);
        shards[index].clone()
    }

    /// Publishes the order as it is now, for readers that do not message the actor. Called
    /// wherever the header, the runs or the creation flag change, before any answer.
    fn publish(&self) {
        self.gauges.publish(self.snapshot());
    }

    /// Everything not yet written, as changes (the header always last, so it wins).
    fn take_changes(&mut self, with_header: bool) -> Vec<OrderChange> {
        let mut changes = Vec::new();
        if !self.dirty_files.is_empty() {
            changes.push(OrderChange::FileStates {
                tenant: self.order.tenant.clone(),
                order_id: self.id(),
                files: std::mem::take(&mut self.dirty_files),
            });
        }
        if with_header || self.header_dirty {
            changes.push(OrderChange::Header {
                tenant: self.order.tenant.clone(),
                header: self.order.header.clone(),
            });
        }
        self.header_dirty = false;
        changes
    }

    /// Sends `changes` with pending ones before them and waits for the commit.
    fn persist_now(
        &mut self,
        extra: Vec<OrderChange>,
    ) -> impl Future<Output = Result<(), PersistError>> + 'static {
        self.publish();
        let mut changes = self.take_changes(true);
        // This acknowledged write commits whatever background changes were queued before it.
        self.unconfirmed = false;
        // Header last: a DropFiles must not be followed by an older file state.
        let header = changes.pop();
        changes.extend(extra);
        changes.extend(header);
        let addr = self.persistence();
        let timeout = self.deps.config.call_timeout;
        async move {
            match addr
                .send(Persist { changes, ack: true })
                .timeout(timeout)
                .await
            {
                Ok(result) => result,
                Err(e) => Err(PersistError(format!("persistence actor: {e}"))),
            }
        }
    }

    /// Marks background progress to write within the flush delay.
    fn persist_later(&mut self, ctx: &mut Context<Self>) {
        self.publish();
        self.header_dirty = true;
        if self.flush_scheduled {
            return;
        }
        self.flush_scheduled = true;
        ctx.run_later(self.deps.config.flush_delay, |act, ctx| {
            act.flush_scheduled = false;
            let changes = act.take_changes(false);
            if changes.is_empty() {
                return;
            }
            let addr = act.persistence();
            act.unconfirmed = true;
            let send = async move {
                addr.send(Persist {
                    changes,
                    ack: false,
                })
                .await
            };
            // `wait`: the next flush cannot overtake this one, so the order of writes holds.
            ctx.wait(send.into_actor(act).map(|result, act, _| match result {
                Ok(Ok(())) => act.last_persisted = Some(Utc::now()),
                Ok(Err(e)) => {
                    tracing::error!(order_id = act.id(), error = %e, "progress not written")
                }
                Err(e) => {
                    tracing::error!(order_id = act.id(), error = %e, "persistence unreachable")
                }
            }));
        });
    }

    /// Marks activity: passivation waits for `passivate_after` without any.
    fn touch(&mut self, _: &mut Context<Self>) {
        self.last_activity = Instant::now();
    }

    /// Checks now and then whether the order has nothing left to do and has been idle long
    /// enough; then it leaves memory (its state is in the database).
    fn watch_idleness(&mut self, ctx: &mut Context<Self>) {
        let after = self.deps.config.passivate_after;
        let every = (after / 2).clamp(Duration::from_millis(100), Duration::from_secs(30));
        ctx.run_interval(every, move |act, ctx| {
            if act.is_idle_candidate() && act.last_activity.elapsed() >= after {
                if let Some(registry) = act.deps.registry() {
                    registry.do_send(Passivated {
                        tenant: act.order.tenant.clone(),
                        id: act.id(),
                        addr: ctx.address(),
                    });
                }
                ctx.stop();
            }
        });
    }

    fn is_idle_candidate(&self) -> bool {
        let status = self.order.header.status;
        let live = matches!(
            status,
            OrderStatus::Pending | OrderStatus::Running | OrderStatus::Paused
        );
        !live
            && !self.creating
            && self.runs.is_empty()
            && self.order.header.available_count == 0
            && self.dirty_files.is_empty()
            && !self.header_dirty
    }

    fn info(&self) -> ActorInfo {
        ActorInfo {
            order_id: self.id(),
            tenant: self.order.tenant.to_string(),
            status: self.order.header.status.as_str().to_owned(),
            mailbox_length: self.gauges.mailbox.load(Ordering::Relaxed),
            in_flight_retrievals: self.gauges.in_flight.load(Ordering::Relaxed),
            active_suborders: self.runs.len(),
            restarts: self.restarts,
            last_persisted: self
                .last_persisted
                .map(|d| crate::domain::dates::format(&d)),
        }
    }
}

impl Actor for OrderActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        self.resume_work(ctx);
        self.watch_idleness(ctx);
        self.publish();
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for token in self.runs.values() {
            token.cancel();
        }
    }
}
