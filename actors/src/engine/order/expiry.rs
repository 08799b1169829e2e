//! Expiration: one timer per order, armed at its expiration date; expiring drops the
//! order's files in one committed change, and waits while the database is down.

use super::OrderActor;
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::Utc;
use std::time::Duration;

/// Pause before an expiration that found the database down is tried again.
const EXPIRY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The expiration date is reached (internal).
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct Expire;

impl OrderActor {
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
