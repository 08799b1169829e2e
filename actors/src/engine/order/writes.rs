//! How an order actor's changes reach the database: through its persistence actor only.
//!
//! Actions are written as acknowledged changes and answered once committed; progress is
//! written in the background within the flush delay, held back while an action's commit is
//! under way, and counted until its commit is confirmed.

use super::OrderActor;
use crate::domain::order::OrderHeader;
use crate::engine::persistence::{Persist, PersistError};
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::Utc;
use std::sync::Arc;
use tokio::sync::oneshot;

impl OrderActor {
    /// Progress not yet sent: file states, CRC-32s, and the header when `with_header` or
    /// when progress changed it.
    fn take_background(&mut self, with_header: bool) -> Vec<OrderChange> {
        let mut changes = self.take_file_progress();
        if with_header || self.header_dirty {
            changes.extend(self.header_write(OrderHeader::clone(&self.order.header)));
        }
        self.header_dirty = false;
        changes
    }

    /// File states and CRC-32s not yet sent (never the header).
    fn take_file_progress(&mut self) -> Vec<OrderChange> {
        let mut changes = Vec::new();
        let tenant = &self.order.tenant;
        if !self.dirty_files.is_empty() {
            changes.push(OrderChange::FileStates {
                tenant: tenant.clone(),
                order_id: self.order.header.id,
                files: std::mem::take(&mut self.dirty_files),
            });
        }
        if !self.dirty_crcs.is_empty() {
            changes.push(OrderChange::Crcs {
                tenant: tenant.clone(),
                crcs: std::mem::take(&mut self.dirty_crcs),
            });
        }
        changes
    }

    /// Writes an action: progress made before it (with `before`, the header as it was before
    /// the action, when progress had changed it), then `action` and, with `with_header`, the
    /// header as it is now, in one transaction. The future answers once committed, or with
    /// the reason it was not: the action is then applied nowhere (the caller reloads the
    /// actor from the database), while the progress is kept and written.
    pub(super) fn persist_now(
        &mut self,
        action: Vec<OrderChange>,
        with_header: bool,
        before: Arc<OrderHeader>,
    ) -> impl Future<Output = Result<(), PersistError>> + 'static {
        self.publish();
        let mut background = self.take_file_progress();
        if self.header_dirty {
            background.extend(self.header_write(OrderHeader::clone(&before)));
        }
        let mut acknowledged = action;
        if with_header {
            acknowledged.extend(self.header_write(OrderHeader::clone(&self.order.header)));
        }
        self.header_dirty = false;
        self.acks_in_flight += 1;
        let (reply, outcome) = oneshot::channel();
        self.persistence().do_send(Persist {
            background,
            acknowledged,
            reply: Some(reply),
            urgent: true,
        });
        wait_for_commit(outcome, self.deps.config.commit_timeout)
    }

    /// Settles an acknowledged write: progress held back meanwhile goes out now.
    pub(super) fn ack_settled(
        &mut self,
        result: &Result<(), PersistError>,
        ctx: &mut Context<Self>,
    ) {
        self.acks_in_flight = self.acks_in_flight.saturating_sub(1);
        if result.is_ok() {
            self.last_persisted = Some(Utc::now());
            if !self.dirty_files.is_empty() || !self.dirty_crcs.is_empty() || self.header_dirty {
                self.schedule_background(ctx);
            }
            self.tell_deferred_files(ctx);
        }
    }

    /// Marks progress to write within the flush delay.
    pub(super) fn persist_later(&mut self, ctx: &mut Context<Self>) {
        self.publish();
        self.header_dirty = true;
        self.schedule_background(ctx);
    }

    /// Schedules a background write within the flush delay (once for any number of changes).
    pub(super) fn schedule_background(&mut self, ctx: &mut Context<Self>) {
        if self.flush_scheduled {
            return;
        }
        self.flush_scheduled = true;
        ctx.run_later(self.deps.config.flush_delay, |act, ctx| {
            act.flush_scheduled = false;
            act.send_background(ctx);
        });
    }

    /// Sends the progress made so far; its commit is counted until confirmed.
    fn send_background(&mut self, ctx: &mut Context<Self>) {
        if self.acks_in_flight > 0 {
            // Sent once the action is settled (`ack_settled`), or dropped with the actor.
            return;
        }
        let changes = self.take_background(false);
        self.tell_deferred_files(ctx);
        if changes.is_empty() {
            return;
        }
        self.unconfirmed += 1;
        let (reply, outcome) = oneshot::channel();
        // do_send: queued at once, so that this message cannot overtake an earlier one.
        self.persistence().do_send(Persist {
            background: changes,
            acknowledged: Vec::new(),
            reply: Some(reply),
            urgent: false,
        });
        ctx.spawn(outcome.into_actor(self).map(|result, act, _| {
            act.unconfirmed = act.unconfirmed.saturating_sub(1);
            if matches!(result, Ok(Ok(()))) {
                act.last_persisted = Some(Utc::now());
            }
        }));
    }

    /// Writes everything not yet committed (progress, and the header) and answers once it
    /// is: a reader of the database right after sees what the actor shows.
    pub(super) fn sync(
        &mut self,
    ) -> Option<impl Future<Output = Result<(), PersistError>> + 'static> {
        let clean = self.dirty_files.is_empty() && self.dirty_crcs.is_empty() && !self.header_dirty;
        if clean && self.unconfirmed == 0 && self.acks_in_flight == 0 {
            return None;
        }
        // Behind every earlier message of this actor: its commit implies theirs. Progress
        // made while an action's commit is under way stays held back.
        let changes = if self.acks_in_flight > 0 {
            Vec::new()
        } else {
            self.take_background(!clean)
        };
        let (reply, outcome) = oneshot::channel();
        self.persistence().do_send(Persist {
            background: changes,
            acknowledged: Vec::new(),
            reply: Some(reply),
            urgent: true,
        });
        // A barrier for readers, not an action: under load it may wait longer than an
        // action would (while the database is down, the caller is answered at once).
        Some(wait_for_commit(outcome, self.deps.config.call_timeout))
    }
}

/// The outcome of a write, or an error once `timeout` has passed without one.
async fn wait_for_commit(
    outcome: oneshot::Receiver<Result<(), PersistError>>,
    timeout: std::time::Duration,
) -> Result<(), PersistError> {
    match tokio::time::timeout(timeout, outcome).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(PersistError::WriterStopped),
        Err(_) => Err(PersistError::TimedOut(timeout)),
    }
}
