//! An order actor and the slot scheduler: where the order picks up its work, which of its
//! sub-orders ask for a slot, and when a slot goes back.

use super::OrderActor;
use crate::domain::order::{FileState, OrderStatus};
use crate::engine::slots::{ReleaseSlot, RequestSlot, SlotGranted};
use actix::prelude::*;

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
