//! Handlers of the requests an order actor answers.

use super::OrderActor;
use super::messages::{
    Act, Action, ActionError, Crash, FilesDownloaded, GetOrder, Inspect, OrderSnapshot, SyncToStore,
};
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
        }
    }

    /// Stops retrievals and gives back slots, keeping those of sub-orders waiting for the
    /// user when `keep_waiting`.
    pub(super) fn stop_retrievals(&mut self, keep_waiting: bool) {
        self.generation += 1;
        for token in self.runs.values() {
            token.cancel();
        }
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

    /// Applies an action to the aggregate; answers extra changes to write with it.
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
                return Ok(vec![OrderChange::DropFiles { tenant, order_id }]);
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
                self.dirty_files
                    .extend(changed.into_iter().map(|(id, s)| (id, s, None)));
                self.resume_work(ctx);
            }
            Action::CheckRestart => self.order.check_restart().map_err(ActionError::Refused)?,
            Action::Remove => self.order.check_remove().map_err(ActionError::Refused)?,
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
        let header = &self.order.header;
        if let Err(refusal) =
            may_manage(&header.owner, &msg.requester.email, msg.requester.is_admin)
        {
            return Box::pin(fut::ready(Err(ActionError::Refused(refusal))));
        }
        let extra = match self.apply(msg.action, ctx) {
            Ok(extra) => extra,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        if matches!(msg.action, Action::CheckRestart) {
            return Box::pin(fut::ready(Ok(self.snapshot())));
        }
        if matches!(msg.action, Action::Remove) {
            let store = self.deps.store.clone();
            let tenant = self.order.tenant.clone();
            let id = self.id();
            let remove = async move { store.remove_order(&tenant, id).await };
            return Box::pin(
                remove
                    .into_actor(self)
                    .map(|result, act, ctx| match result {
                        Ok(()) => {
                            if let Some(registry) = act.deps.registry() {
                                registry.do_send(crate::engine::registry::Passivated {
                                    tenant: act.order.tenant.clone(),
                                    id: act.id(),
                                    addr: ctx.address(),
                                });
                            }
                            ctx.stop();
                            Ok(act.snapshot())
                        }
                        Err(e) => Err(ActionError::Persist(
                            crate::engine::persistence::PersistError(e.to_string()),
                        )),
                    }),
            );
        }
        self.schedule_expiry(ctx);
        let write = self.persist_now(extra);
        Box::pin(write.into_actor(self).map(|result, act, ctx| match result {
            Ok(()) => {
                act.last_persisted = Some(Utc::now());
                Ok(act.snapshot())
            }
            Err(e) => {
                // Memory and database disagree now: restart from the database.
                tracing::error!(order_id = act.id(), error = %e, "action not committed");
                ctx.stop();
                Err(ActionError::Persist(e))
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

impl Handler<FilesDownloaded> for OrderActor {
    type Result = ResponseActFuture<Self, Result<(), ActionError>>;

    fn handle(&mut self, msg: FilesDownloaded, ctx: &mut Self::Context) -> Self::Result {
        self.touch(ctx);
        let now = Utc::now();
        for (id, state, reason) in msg.files {
            if matches!(state, FileState::Downloaded | FileState::DownloadError)
                && self.order.set_file_state(id, state, now).is_some()
            {
                self.dirty_files.push((id, state, reason));
            }
        }
        self.release_finished_slots();
        let write = self.persist_now(Vec::new());
        Box::pin(write.into_actor(self).map(|result, act, _| {
            result
                .map(|()| act.last_persisted = Some(Utc::now()))
                .map_err(ActionError::Persist)
        }))
    }
}

impl Handler<SyncToStore> for OrderActor {
    type Result = ResponseActFuture<Self, Result<(), ActionError>>;

    fn handle(&mut self, _: SyncToStore, _: &mut Self::Context) -> Self::Result {
        if self.dirty_files.is_empty() && !self.header_dirty && !self.unconfirmed {
            return Box::pin(fut::ready(Ok(())));
        }
        // Acknowledged, so it also commits the background changes queued before it.
        let write = self.persist_now(Vec::new());
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

impl Handler<Crash> for OrderActor {
    type Result = ();

    #[allow(clippy::panic)]
    fn handle(&mut self, _: Crash, _: &mut Self::Context) {
        panic!("fault injected into the actor of order {}", self.id());
    }
}
