//! The order actor: owns one order's state and its retrieval tasks. Every change goes through
//! the aggregate; acknowledged changes are committed before the answer, background ones are
//! batched by the persistence actors.

mod alarms;
mod coverage;
mod creation;
mod events;
mod expiry;
mod handlers;
mod messages;
mod owner;
mod renderings;
mod results;
mod retrieval;
mod run_queue;
mod scheduling;
mod small_map;
mod view;
mod work;
mod writes;

pub(crate) use alarms::Alarms;
pub use coverage::Download;
#[cfg(feature = "fault-injection")]
pub(crate) use messages::Crash;
pub(crate) use messages::{
    Act, ActionError, FilesDownloaded, GetOrder, Inspect, RangeServed, RecordCrcs, SyncToStore,
};
pub use messages::{Action, ActorInfo, OrderSnapshot, Requester};
pub(crate) use owner::{OrderOwner, Passivated, Reload};
pub use renderings::{RENDERINGS, Renderings};
pub(crate) use run_queue::RunQueue;
pub(crate) use view::PublishedView;

use crate::domain::order::{FileState, Order, OrderKind, OrderStatus};
use crate::engine::EngineDeps;
use actix::prelude::*;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
// tokio's clock, so that idleness follows a paused clock in tests.
use tokio::time::Instant;

/// Counters shared with the engine (which counts calls in flight) and with retrieval tasks.
#[derive(Debug, Default)]
pub(crate) struct ActorGauges {
    /// Calls sent to the actor and not yet answered.
    pub mailbox: AtomicUsize,
    /// Retrievals under way.
    pub in_flight: AtomicUsize,
}

/// One order, alive.
pub(crate) struct OrderActor {
    order: Order,
    deps: Arc<EngineDeps>,
    gauges: Arc<ActorGauges>,
    /// Where the order is published for readers.
    view: Arc<PublishedView>,
    restarts: u32,
    /// Bumped whenever runs are cancelled, so that late results are ignored.
    generation: u64,
    /// Runs of the sub-orders holding a slot, queued or started.
    runs: small_map::SmallMap<retrieval::RunEntry>,
    /// Sub-orders holding one of the user's slots.
    granted: small_map::SmallSet,
    creating: bool,
    /// File changes not yet sent to the persistence actor.
    dirty_files: Vec<(i64, FileState, Option<String>)>,
    /// CRC-32s not yet sent to the persistence actor.
    dirty_crcs: Vec<(i64, u32)>,
    /// Downloads partly served (in memory only: a restart forgets them).
    coverage: coverage::Coverage,
    header_dirty: bool,
    /// Background messages sent and not yet confirmed committed: the actor does not leave
    /// memory before they are.
    unconfirmed: usize,
    /// Acknowledged writes under way: background progress made meanwhile is held back until
    /// they are settled, so that no change computed after an action that fails to commit is
    /// ever written.
    acks_in_flight: usize,
    flush_scheduled: bool,
    last_persisted: Option<DateTime<Utc>>,
    last_activity: Instant,
    /// What the outbox was told of this order.
    events: events::EventState,
}

impl OrderActor {
    /// An actor for `order`; `restarts` counts the earlier lives of this order's actor;
    /// `stale_header`: the database's header differs from the one the files give (it is
    /// written as progress once started).
    pub fn new(
        order: Order,
        deps: Arc<EngineDeps>,
        gauges: Arc<ActorGauges>,
        view: Arc<PublishedView>,
        restarts: u32,
        stale_header: bool,
    ) -> Self {
        Self {
            deps,
            gauges,
            view,
            restarts,
            generation: 0,
            runs: Default::default(),
            granted: Default::default(),
            creating: false,
            dirty_files: Vec::new(),
            dirty_crcs: Vec::new(),
            coverage: coverage::Coverage::default(),
            header_dirty: stale_header,
            unconfirmed: 0,
            acks_in_flight: 0,
            flush_scheduled: false,
            last_persisted: None,
            last_activity: Instant::now(),
            events: events::EventState::of(&order.header),
            order,
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

    fn persistence(&self) -> &Addr<crate::engine::persistence::PersistenceActor> {
        self.deps.persistence_of(self.id())
    }

    /// Publishes the order as it is now, for readers that do not message the actor. Called
    /// wherever the header, the runs or the creation flag change, before any answer.
    fn publish(&self) {
        self.view.publish(self.snapshot());
    }

    /// Marks activity: passivation waits for `passivate_after` without any.
    fn touch(&mut self, _: &mut Context<Self>) {
        self.last_activity = Instant::now();
    }

    /// Sets an alarm in the engine's shared wheel.
    fn set_alarm(&self, at: Instant, alarm: alarms::Alarm, ctx: &mut Context<Self>) {
        let actor = ctx.address().downgrade();
        self.deps.alarms.set(at, actor, alarm);
    }

    /// Checks now and then whether the order has nothing left to do and has been idle long
    /// enough; then it leaves memory (its state is in the database).
    fn watch_idleness(&mut self, ctx: &mut Context<Self>) {
        let after = self.deps.config.passivate_after;
        let every = (after / 2).clamp(Duration::from_millis(100), Duration::from_secs(30));
        self.set_alarm(Instant::now() + every, alarms::Alarm::CheckIdle, ctx);
    }

    fn check_idleness(&mut self, ctx: &mut Context<Self>) {
        if self.is_idle_candidate()
            && self.last_activity.elapsed() >= self.deps.config.passivate_after
        {
            self.leave(ctx);
        } else {
            self.watch_idleness(ctx);
        }
    }

    /// Stops so as to be re-created from the database once it is up: memory went ahead of
    /// what the database holds (an action that did not commit).
    fn reload(&mut self, ctx: &mut Context<Self>) {
        if let Some(owner) = self.deps.owner() {
            owner.reload.do_send(Reload {
                tenant: self.order.tenant.clone(),
                id: self.id(),
                addr: ctx.address(),
            });
        }
        ctx.stop();
    }

    /// Leaves memory for good: the registry forgets this actor (it is not a death), and the
    /// actor stops.
    fn leave(&mut self, ctx: &mut Context<Self>) {
        if let Some(owner) = self.deps.owner() {
            owner.passivated.do_send(Passivated {
                tenant: self.order.tenant.clone(),
                id: self.id(),
                addr: ctx.address(),
            });
        }
        ctx.stop();
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
            && self.dirty_crcs.is_empty()
            && !self.header_dirty
            && self.unconfirmed == 0
            && self.acks_in_flight == 0
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
            partial_downloads: self.coverage.partial(),
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
        if self.header_dirty {
            self.schedule_background(ctx);
        }
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for run in self.runs.values() {
            run.cancel();
        }
    }
}

impl Handler<alarms::Alarm> for OrderActor {
    type Result = ();

    fn handle(&mut self, alarm: alarms::Alarm, ctx: &mut Self::Context) {
        match alarm {
            alarms::Alarm::Expire => self.expire(ctx),
            alarms::Alarm::CheckIdle => self.check_idleness(ctx),
        }
    }
}
