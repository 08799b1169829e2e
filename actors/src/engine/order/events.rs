//! What an order actor tells the outbox: the events its header changes cause, found by
//! comparing each header it writes with what was told before, and the sub-orders that
//! became ready. Events travel with the header write that causes them, in its transaction.

use super::OrderActor;
use crate::domain::events::{EventBasis, EventKeys, EventType, OrderEvent};
use crate::domain::order::{Order, OrderHeader};
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::{DateTime, Utc};

/// The actor's part of the outbox.
#[derive(Debug)]
pub(super) struct EventState {
    basis: EventBasis,
    keys: EventKeys,
    /// Events waiting for the next header write (sub-orders that became ready).
    pending: Vec<OrderEvent>,
    /// A timer is armed to write a deferred FILES_AVAILABLE.
    deferred_armed: bool,
}

impl EventState {
    /// For an order as stored: what its events already told.
    pub(super) fn of(header: &OrderHeader) -> Self {
        EventState {
            basis: EventBasis::of(header),
            keys: EventKeys::new_life(header.id),
            pending: Vec::new(),
            deferred_armed: false,
        }
    }

    /// The events `header` tells, pending ones first; the basis moves on.
    pub(super) fn told_by(
        &mut self,
        order: &Order,
        header: &OrderHeader,
        now: DateTime<Utc>,
    ) -> Vec<OrderEvent> {
        let mut events = std::mem::take(&mut self.pending);
        events.extend(self.basis.diff(&order.tenant, header, now, &mut self.keys));
        events
    }

    /// A SUBORDER_DONE event for each sub-order of `order` with files and none left to
    /// retrieve (`only`: just that one).
    pub(super) fn suborders_done(&mut self, order: &Order, only: Option<i64>, now: DateTime<Utc>) {
        let total = order.suborders().len() as i64;
        for progress in order.suborders() {
            let id = progress.suborder.id;
            if only.is_some_and(|only| only != id) || progress.has_pending() {
                continue;
            }
            if order.files_of(id).is_empty() {
                continue;
            }
            let event = OrderEvent::of(
                EventType::SuborderDone,
                self.keys.next_key(),
                &order.tenant,
                &order.header,
                now,
            )
            .for_suborder(id, total);
            self.pending.push(event);
        }
    }

    /// An ORDER_DELETED event for a removed order (unless its deletion was told).
    pub(super) fn removed(&mut self, order: &Order, now: DateTime<Utc>) -> Option<OrderEvent> {
        (order.header.status != crate::domain::order::OrderStatus::Deleted).then(|| {
            OrderEvent::of(
                EventType::OrderDeleted,
                self.keys.next_key(),
                &order.tenant,
                &order.header,
                now,
            )
        })
    }
}

impl OrderActor {
    /// The write of `header`, with the events it tells.
    pub(super) fn header_write(&mut self, header: OrderHeader) -> Vec<OrderChange> {
        let events = self.events.told_by(&self.order, &header, Utc::now());
        let mut changes = vec![OrderChange::Header {
            tenant: self.order.tenant.clone(),
            header,
        }];
        if !events.is_empty() {
            changes.push(OrderChange::Events(events));
        }
        changes
    }

    /// When more available files were not told yet (too soon after the last time), writes
    /// the header again once they may be.
    pub(super) fn tell_deferred_files(&mut self, ctx: &mut Context<Self>) {
        if self.events.deferred_armed {
            return;
        }
        let Some(wait) = self.events.basis.deferred_for(Utc::now()) else {
            return;
        };
        self.events.deferred_armed = true;
        ctx.run_later(wait, |act, ctx| {
            act.events.deferred_armed = false;
            act.header_dirty = true;
            act.schedule_background(ctx);
        });
    }
}
