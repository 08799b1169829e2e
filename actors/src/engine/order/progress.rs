//! Background work of an order actor: creation, slots, retrieval results, expiration.

use super::OrderActor;
use super::messages::{CreationPlanned, CreationStored, Expire, FileRetrieved, RunEnded};
use crate::domain::order::{FileSlot, FileState, OrderStatus};
use crate::engine::slots::{ReleaseSlot, RequestSlot, SlotGranted};
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::Utc;
use std::time::Duration;

/// Pause before a creation the database could not serve is tried again.
const CREATION_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Pause before a sub-order whose run ended with files still pending is tried again.
const RETRY_RUN_AFTER: Duration = Duration::from_secs(5);

impl OrderActor {
    /// Picks up where the order is: finish creation, or ask slots for what is left to
    /// retrieve, and arm the expiration timer.
    pub(super) fn resume_work(&mut self, ctx: &mut Context<Self>) {
        let status = self.order.header.status;
        if !self.order.is_created() && matches!(status, OrderStatus::Pending) {
            self.start_creation(ctx);
            return;
        }
        self.schedule_expiry(ctx);
        if status == OrderStatus::Running {
            self.request_slots(ctx);
        }
    }

    pub(super) fn start_creation(&mut self, ctx: &mut Context<Self>) {
        if self.creating {
            return;
        }
        self.creating = true;
        let builder = self.deps.builder.clone();
        let tenant = self.order.tenant.clone();
        let header = self.order.header.clone();
        let addr = ctx.address();
        actix::spawn(async move {
            let plan = builder.plan(&tenant, &header).await;
            addr.do_send(CreationPlanned(plan));
        });
    }

    fn request_slots(&mut self, ctx: &mut Context<Self>) {
        let recipient = ctx.address().recipient::<SlotGranted>();
        for s in self.order.suborders() {
            let id = s.suborder.id;
            if s.suborder.external || !s.has_pending() || self.runs.contains_key(&id) {
                continue;
            }
            self.deps.slots.do_send(RequestSlot {
                tenant: self.order.tenant.to_string(),
                user: self.order.header.owner.clone(),
                order_id: self.id(),
                suborder_id: id,
                recipient: recipient.clone(),
            });
        }
    }

    /// Gives back the slots of sub-orders with nothing left to retrieve or download.
    pub(super) fn release_finished_slots(&mut self) {
        let done: Vec<i64> = self
            .granted
            .iter()
            .copied()
            .filter(|id| {
                self.order.suborders().iter().any(|s| {
                    s.suborder.id == *id
                        && s.count(FileState::Pending) == 0
                        && s.count(FileState::Available) == 0
                })
            })
            .collect();
        for id in done {
            self.granted.remove(&id);
            self.deps.slots.do_send(ReleaseSlot {
                tenant: self.order.tenant.to_string(),
                user: self.order.header.owner.clone(),
                order_id: self.id(),
                suborder_id: id,
            });
        }
    }

    /// Arms (or re-arms) the timer that expires the order at its expiration date.
    pub(super) fn schedule_expiry(&mut self, ctx: &mut Context<Self>) {
        if let Some(handle) = self.expiry.take() {
            ctx.cancel_future(handle);
        }
        let Some(date) = self.order.header.expiration_date else {
            return;
        };
        let wait = (date - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        self.expiry = Some(ctx.run_later(wait, |_, ctx| {
            ctx.notify(Expire);
        }));
    }
}

/// Creation's outcome, applied to the aggregate once stored.
#[derive(Clone)]
pub(crate) enum Created {
    Content {
        tasks: Vec<crate::domain::order::DatasetTask>,
        suborders: Vec<crate::domain::order::SubOrder>,
        slots: Vec<FileSlot>,
        expiration: chrono::DateTime<Utc>,
        empty_message: String,
    },
    Failed {
        message: String,
        expiration: chrono::DateTime<Utc>,
    },
}

impl Created {
    fn apply(self, order: &mut crate::domain::order::Order, now: chrono::DateTime<Utc>) {
        match self {
            Created::Content {
                tasks,
                suborders,
                slots,
                expiration,
                empty_message,
            } => order.complete_creation(tasks, suborders, slots, expiration, &empty_message, now),
            Created::Failed {
                message,
                expiration,
            } => order.fail_creation(&message, expiration, now),
        }
    }
}

impl Handler<CreationPlanned> for OrderActor {
    type Result = ();

    /// Stores what creation computed, then applies it: until the content is in the database
    /// the order reads PENDING, so readers of the database and of the actor agree.
    fn handle(&mut self, msg: CreationPlanned, ctx: &mut Self::Context) {
        let now = Utc::now();
        let (created, files) = match msg.0 {
            Ok(plan) => {
                let slots: Vec<FileSlot> = plan.files.iter().map(FileSlot::from).collect();
                let created = Created::Content {
                    tasks: plan.tasks,
                    suborders: plan.suborders,
                    slots,
                    expiration: plan.expiration,
                    empty_message: plan.empty_message,
                };
                (created, plan.files)
            }
            Err(e) if e.transient => {
                // The database, not the order, failed: creation runs again a little later.
                tracing::warn!(order_id = self.id(), error = %e, "order creation postponed");
                self.creating = false;
                self.publish();
                ctx.run_later(CREATION_RETRY_AFTER, |act, ctx| act.start_creation(ctx));
                return;
            }
            Err(e) => {
                tracing::warn!(order_id = self.id(), error = %e, "order creation failed");
                let failed = Created::Failed {
                    message: e.message,
                    expiration: e.expiration,
                };
                (failed, Vec::new())
            }
        };
        // The header the database will hold: the order as it will be once creation applies.
        let mut preview = crate::domain::order::Order::new(
            self.order.tenant.clone(),
            self.order.header.clone(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let (tasks, suborders) = match &created {
            Created::Content {
                tasks, suborders, ..
            } => (tasks.clone(), suborders.clone()),
            Created::Failed { .. } => (Vec::new(), Vec::new()),
        };
        created.clone().apply(&mut preview, now);
        let store = self.deps.store.clone();
        let tenant = self.order.tenant.clone();
        let header = preview.header.clone();
        let addr = ctx.address();
        actix::spawn(async move {
            let stored = store
                .store_creation(&tenant, &header, &tasks, &suborders, &files)
                .await
                .map(|()| (created, header))
                .map_err(|e| e.to_string());
            addr.do_send(CreationStored(stored));
        });
    }
}

impl Handler<CreationStored> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: CreationStored, ctx: &mut Self::Context) {
        self.creating = false;
        let (created, stored_header) = match msg.0 {
            Ok(stored) => stored,
            Err(e) => {
                // The database still says PENDING: a new life of this actor creates it again.
                tracing::error!(order_id = self.id(), error = %e, "cannot store the created order");
                ctx.stop();
                return;
            }
        };
        created.apply(&mut self.order, Utc::now());
        self.last_persisted = Some(Utc::now());
        if self.order.header != stored_header {
            // A pause or delete came while creation was stored: write the header now.
            let write = self.persist_now(Vec::new());
            ctx.wait(write.into_actor(self).map(|result, act, ctx| {
                if let Err(e) = result {
                    tracing::error!(order_id = act.id(), error = %e, "header not written after creation");
                    ctx.stop();
                }
            }));
        }
        self.resume_work(ctx);
        self.touch(ctx);
        self.publish();
    }
}

impl Handler<SlotGranted> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: SlotGranted, ctx: &mut Self::Context) {
        let id = msg.suborder_id;
        let wanted = self.order.header.status == OrderStatus::Running
            && self
                .order
                .suborders()
                .iter()
                .any(|s| s.suborder.id == id && s.has_pending());
        self.granted.insert(id);
        if !wanted {
            self.release_finished_slots();
            return;
        }
        if !self.runs.contains_key(&id) {
            self.start_run(id, ctx);
        }
    }
}

impl Handler<FileRetrieved> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: FileRetrieved, ctx: &mut Self::Context) {
        if msg.generation != self.generation {
            return;
        }
        let (state, reason) = match msg.outcome {
            Ok(()) => (FileState::Available, None),
            Err(reason) => (FileState::Error, Some(reason)),
        };
        let pending = self.order.file(msg.file_id).map(|f| f.state) == Some(FileState::Pending);
        if pending
            && self
                .order
                .set_file_state(msg.file_id, state, Utc::now())
                .is_some()
        {
            self.dirty_files.push((msg.file_id, state, reason));
            self.release_finished_slots();
            self.persist_later(ctx);
        }
    }
}

impl Handler<RunEnded> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: RunEnded, ctx: &mut Self::Context) {
        if msg.generation == self.generation {
            self.runs.remove(&msg.suborder_id);
        } else {
            // A cancelled run: its token is already cancelled, forget it.
            self.runs.remove(&msg.suborder_id);
        }
        let still_pending = self
            .order
            .suborders()
            .iter()
            .any(|s| s.suborder.id == msg.suborder_id && s.has_pending());
        if still_pending && self.order.header.status == OrderStatus::Running {
            ctx.run_later(RETRY_RUN_AFTER, move |act, ctx| {
                if act.granted.contains(&msg.suborder_id)
                    && !act.runs.contains_key(&msg.suborder_id)
                {
                    act.start_run(msg.suborder_id, ctx);
                }
            });
        }
        self.touch(ctx);
        self.publish();
    }
}

impl Handler<Expire> for OrderActor {
    type Result = ();

    fn handle(&mut self, _: Expire, ctx: &mut Self::Context) {
        if !self.order.expire(Utc::now()) {
            return;
        }
        tracing::info!(order_id = self.id(), "order expired");
        self.stop_retrievals(false);
        self.dirty_files.clear();
        let drop = OrderChange::DropFiles {
            tenant: self.order.tenant.clone(),
            order_id: self.id(),
        };
        let write = self.persist_now(vec![drop]);
        ctx.wait(write.into_actor(self).map(|result, act, ctx| match result {
            Ok(()) => {
                act.last_persisted = Some(Utc::now());
                act.touch(ctx);
            }
            Err(e) => {
                tracing::error!(order_id = act.id(), error = %e, "expiration not committed");
                ctx.stop();
            }
        }));
    }
}
