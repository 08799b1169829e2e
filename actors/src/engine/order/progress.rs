//! Background work of an order actor: slots, retrieval results, expiration.

use super::OrderActor;
use super::messages::{Expire, FileRetrieved, RunEnded};
use crate::domain::order::{FileState, OrderStatus};
use crate::engine::slots::{ReleaseSlot, RequestSlot, SlotGranted};
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::Utc;
use std::time::Duration;

/// Pause before an expiration that found the database down is tried again.
const EXPIRY_RETRY_AFTER: Duration = Duration::from_secs(1);

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
            if let Some(crc) = msg.crc32 {
                self.dirty_crcs.push((msg.file_id, crc));
            }
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
        if !self.deps.health.is_up() {
            // Expiring changes the database: wait for it rather than expire in memory only.
            ctx.run_later(EXPIRY_RETRY_AFTER, |_, ctx| ctx.notify(Expire));
            return;
        }
        let before = self.order.header.clone();
        if !self.order.expire(Utc::now()) {
            return;
        }
        tracing::info!(order_id = self.id(), "order expired");
        self.stop_retrievals(false);
        self.dirty_files.clear();
        self.coverage.clear();
        let drop = OrderChange::DropFiles {
            tenant: self.order.tenant.clone(),
            order_id: self.id(),
        };
        let write = self.persist_now(vec![drop], true, before);
        ctx.spawn(write.into_actor(self).map(|result, act, ctx| {
            act.ack_settled(&result, ctx);
            match result {
                Ok(()) => act.touch(ctx),
                Err(e) => {
                    tracing::warn!(order_id = act.id(), error = %e, "expiration not committed");
                    act.reload(ctx);
                }
            }
        }));
    }
}
