//! Expiration: one alarm per order in the engine's shared wheel, set at its expiration date;
//! expiring drops the order's files in one committed change, and waits while the database is
//! down.

use super::OrderActor;
use super::alarms::Alarm;
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::Utc;
use std::time::Duration;
use tokio::time::Instant;

/// Pause before an expiration that found the database down is tried again.
const EXPIRY_RETRY_AFTER: Duration = Duration::from_secs(1);

impl OrderActor {
    /// Sets the alarm that expires the order at its expiration date. An alarm set for an
    /// earlier date stays in the wheel: when it rings, the order finds it has not expired.
    pub(super) fn schedule_expiry(&mut self, ctx: &mut Context<Self>) {
        let Some(date) = self.order.header.expiration_date else {
            return;
        };
        let wait = (date - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        self.set_alarm(Instant::now() + wait, Alarm::Expire, ctx);
    }

    /// The expiration alarm rang: expires the order if its date is reached.
    pub(super) fn expire(&mut self, ctx: &mut Context<Self>) {
        if !self.order.is_expired_at(Utc::now()) {
            return;
        }
        if !self.deps.health.is_up() {
            // Expiring changes the database: wait for it rather than expire in memory only.
            self.set_alarm(Instant::now() + EXPIRY_RETRY_AFTER, Alarm::Expire, ctx);
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
