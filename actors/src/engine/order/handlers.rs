//! Handlers of the requests an order actor answers.

use super::OrderActor;
use super::coverage::Download;
use super::messages::{
    Act, Action, ActionError, FilesDownloaded, GetOrder, Inspect, OrderSnapshot, RangeServed,
    RecordCrcs, SyncToStore,
};
use super::renderings::Renderings;
use crate::domain::order::{FileState, OrderStatus, expiration_date, may_manage};
use crate::engine::slots::ReleaseOrder;
use crate::ports::OrderChange;
use actix::prelude::*;
use chrono::Utc;

impl OrderActor {
    pub(super) fn snapshot(&self) -> OrderSnapshot {
        OrderSnapshot {
            header: self.order.header.clone(),
            tasks: self.order.tasks.clone(),
            effectively_paused: self.order.header.status == OrderStatus::Paused
                && self.runs.is_empty()
                && !self.creating,
            rendered: Renderings::default(),
        }
    }

    /// Stops retrievals and gives back slots, keeping those of sub-orders waiting for the
    /// user when `keep_waiting`.
    pub(super) fn stop_retrievals(&mut self, keep_waiting: bool) {
        self.generation += 1;
        // A queued run has no task to tell its end: it is forgotten now.
        self.runs.retain(|_, run| run.cancel());
        let keep: Vec<i64> = if keep_waiting {
            self.order
                .suborders()
                .iter()
                .filter(|s| s.waiting_for_user())
                .map(|s| s.suborder.id)
                .collect()
        } else {
            Vec::new()
        };
        self.granted.retain(|s| keep.contains(s));
        self.deps.slots.do_send(ReleaseOrder {
            tenant: self.order.tenant.to_string(),
            user: self.order.header.owner.clone(),
            order_id: self.id(),
            keep,
        });
    }

    /// Applies an action to the aggregate; answers the changes to write with its header.
    fn apply(
        &mut self,
        action: Action,
        ctx: &mut Context<Self>,
    ) -> Result<Vec<OrderChange>, ActionError> {
        let now = Utc::now();
        let tenant = self.order.tenant.clone();
        let order_id = self.id();
        match action {
            Action::Pause => {
                self.order.pause(now).map_err(ActionError::Refused)?;
                self.stop_retrievals(true);
            }
            Action::Resume => {
                let effectively = self.runs.is_empty() && !self.creating;
                self.order
                    .resume(now, effectively)
                    .map_err(ActionError::Refused)?;
                self.resume_work(ctx);
            }
            Action::Delete => {
                self.order.delete(now).map_err(ActionError::Refused)?;
                self.stop_retrievals(false);
                self.dirty_files.clear();
                self.coverage.clear();
                return Ok(vec![OrderChange::DropFiles { tenant, order_id }]);
            }
            Action::Remove => {
                self.order.check_remove().map_err(ActionError::Refused)?;
                let mut changes = vec![OrderChange::Remove { tenant, order_id }];
                if let Some(event) = self.events.removed(&self.order, now) {
                    changes.push(OrderChange::Events(vec![event]));
                }
                return Ok(changes);
            }
            Action::Retry {
                suborder_duration,
                max_lifetime,
            } => {
                let storage_suborders = self
                    .order
                    .suborders()
                    .iter()
                    .filter(|s| !s.suborder.external)
                    .count();
                let expiration =
                    expiration_date(now, storage_suborders, suborder_duration, max_lifetime);
                let changed = self
                    .order
                    .retry(now, expiration)
                    .map_err(ActionError::Refused)?;
                self.resume_work(ctx);
                let files = changed.into_iter().map(|(id, s)| (id, s, None)).collect();
                return Ok(vec![OrderChange::FileStates {
                    tenant,
                    order_id,
                    files,
                }]);
            }
            Action::CheckRestart => self.order.check_restart().map_err(ActionError::Refused)?,
        }
        Ok(Vec::new())
    }
}

impl Handler<Act> for OrderActor {
    type Result = ResponseActFuture<Self, Result<OrderSnapshot, ActionError>>;

    fn handle(&mut self, msg: Act, ctx: &mut Self::Context) -> Self::Result {
        self.touch(ctx);
        tracing::info!(
            request_id = %msg.requester.request_id,
            order_id = self.id(),
            action = ?msg.action,
            "order action"
        );
        if !self.deps.health.is_up() {
            // Refused before anything changes: nothing to undo, nothing half applied.
            return Box::pin(fut::ready(Err(ActionError::Unavailable)));
        }
        let header = &self.order.header;
        if let Err(refusal) =
            may_manage(&header.owner, &msg.requester.email, msg.requester.is_admin)
        {
            return Box::pin(fut::ready(Err(ActionError::Refused(refusal))));
        }
        let before = self.order.header.clone();
        let changes = match self.apply(msg.action, ctx) {
            Ok(changes) => changes,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        if matches!(msg.action, Action::CheckRestart) {
            return Box::pin(fut::ready(Ok(self.snapshot())));
        }
        let removal = matches!(msg.action, Action::Remove);
        if !removal {
            self.schedule_expiry(ctx);
        }
        let write = self.persist_now(changes, !removal, before);
        Box::pin(write.into_actor(self).map(move |result, act, ctx| {
            act.ack_settled(&result, ctx);
            match result {
                Ok(()) if removal => {
                    act.leave(ctx);
                    Ok(act.snapshot())
                }
                Ok(()) => Ok(act.snapshot()),
                Err(e) => {
                    // Memory went ahead of the database: start again from what it holds.
                    tracing::warn!(order_id = act.id(), error = %e, "action not committed");
                    act.reload(ctx);
                    Err(ActionError::Persist(e))
                }
            }
        }))
    }
}

impl Handler<GetOrder> for OrderActor {
    type Result = MessageResult<GetOrder>;

    fn handle(&mut self, _: GetOrder, ctx: &mut Self::Context) -> Self::Result {
        self.touch(ctx);
        MessageResult(self.snapshot())
    }
}

impl OrderActor {
    /// Records the end of downloads: DOWNLOADED or DOWNLOAD_ERROR files, as progress.
    fn record_downloads(
        &mut self,
        files: Vec<(i64, FileState, Option<String>)>,
        ctx: &mut Context<Self>,
    ) {
        let now = Utc::now();
        let mut changed = false;
        for (id, state, reason) in files {
            if state == FileState::Downloaded {
                self.coverage.forget(Download::File(id));
            }
            if matches!(state, FileState::Downloaded | FileState::DownloadError)
                && self.order.set_file_state(id, state, now).is_some()
            {
                self.dirty_files.push((id, state, reason));
                changed = true;
            }
        }
        if changed {
            self.release_finished_slots();
            self.persist_later(ctx);
        }
    }
}

impl Handler<FilesDownloaded> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: FilesDownloaded, ctx: &mut Self::Context) {
        self.touch(ctx);
        self.record_downloads(msg.files, ctx);
    }
}

impl Handler<RangeServed> for OrderActor {
    type Result = bool;

    fn handle(&mut self, msg: RangeServed, ctx: &mut Self::Context) -> bool {
        self.touch(ctx);
        if let Download::File(id) = msg.download {
            // A file already downloaded, or not this order's, needs no entry.
            let state = self.order.file(id).map(|f| f.state);
            if !matches!(state, Some(FileState::Available | FileState::DownloadError)) {
                return false;
            }
        }
        self.coverage.add(msg.download, msg.range, msg.size)
    }
}

impl Handler<RecordCrcs> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: RecordCrcs, ctx: &mut Self::Context) {
        if msg.0.is_empty() {
            return;
        }
        self.dirty_crcs.extend(msg.0);
        self.schedule_background(ctx);
    }
}

impl Handler<SyncToStore> for OrderActor {
    type Result = ResponseActFuture<Self, Result<(), ActionError>>;

    fn handle(&mut self, _: SyncToStore, _: &mut Self::Context) -> Self::Result {
        if !self.deps.health.is_up() {
            return Box::pin(fut::ready(Err(ActionError::Unavailable)));
        }
        let Some(write) = self.sync() else {
            return Box::pin(fut::ready(Ok(())));
        };
        Box::pin(write.into_actor(self).map(|result, act, _| {
            result
                .map(|()| act.last_persisted = Some(Utc::now()))
                .map_err(ActionError::Persist)
        }))
    }
}

impl Handler<Inspect> for OrderActor {
    type Result = MessageResult<Inspect>;

    fn handle(&mut self, _: Inspect, _: &mut Self::Context) -> Self::Result {
        MessageResult::<Inspect>(self.info())
    }
}

#[cfg(feature = "fault-injection")]
impl Handler<super::messages::Crash> for OrderActor {
    type Result = ();

    #[allow(clippy::panic)]
    fn handle(&mut self, _: super::messages::Crash, _: &mut Self::Context) {
        panic!("fault injected into the actor of order {}", self.id());
    }
}
