//! Handlers of the registry.

use super::{
    Activate, ActivationError, Entry, OrderKey, Recovered, RegistryActor, RegistryStatus,
    StartOrder, Status,
};
use crate::engine::order::{Passivated, Reload};
use actix::prelude::*;
use tokio::sync::oneshot;

impl Handler<Activate> for RegistryActor {
    type Result = ResponseFuture<Result<Option<Entry>, ActivationError>>;

    fn handle(&mut self, msg: Activate, ctx: &mut Self::Context) -> Self::Result {
        let key = (msg.tenant, msg.id);
        if let Some(entry) = self.map.get(&key).map(|e| e.value().clone()) {
            if entry.addr.connected() {
                return Box::pin(async move { Ok(Some(entry)) });
            }
            self.note_death(&key, ctx);
        }
        if let Some(retry_in) = self.restarts.waiting(&key) {
            return Box::pin(async move { Err(ActivationError::Restarting { retry_in }) });
        }
        let (tx, rx) = oneshot::channel();
        self.activate(key, tx, ctx);
        Box::pin(async move { rx.await.unwrap_or_else(|_| Err(ActivationError::Dropped)) })
    }
}

impl Handler<Recovered> for RegistryActor {
    type Result = usize;

    fn handle(&mut self, msg: Recovered, _: &mut Self::Context) -> usize {
        self.adopt(msg.0)
    }
}

impl Handler<StartOrder> for RegistryActor {
    type Result = MessageResult<StartOrder>;

    fn handle(&mut self, msg: StartOrder, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.spawn_actor(msg.0, false))
    }
}

impl Handler<Passivated> for RegistryActor {
    type Result = ();

    fn handle(&mut self, msg: Passivated, _: &mut Self::Context) {
        let key = (msg.tenant, msg.id);
        self.map.remove_if(&key, |_, e| e.addr == msg.addr);
        self.restarts.forget(&key);
    }
}

impl Handler<Reload> for RegistryActor {
    type Result = ();

    fn handle(&mut self, msg: Reload, ctx: &mut Self::Context) {
        let key = (msg.tenant, msg.id);
        if self
            .map
            .remove_if(&key, |_, e| e.addr == msg.addr)
            .is_some()
        {
            tracing::info!(tenant = %key.0, order_id = key.1, "order actor reloads from the database");
            self.recreate_when_up(key, ctx);
        }
    }
}

impl Handler<Status> for RegistryActor {
    type Result = MessageResult<Status>;

    fn handle(&mut self, msg: Status, _: &mut Self::Context) -> Self::Result {
        let shown = |key: &OrderKey| msg.tenant.as_ref().is_none_or(|t| *t == key.0);
        let entries: Vec<Entry> = self
            .map
            .iter()
            .filter(|e| shown(e.key()))
            .map(|e| e.value().clone())
            .collect();
        let mut restarting = self.restarts.all_waiting();
        restarting.retain(|(key, _, _)| shown(key));
        MessageResult(RegistryStatus {
            active: entries.len(),
            loading: self.loading.keys().filter(|k| shown(k)).count(),
            total_restarts: self
                .deps
                .restarts
                .load(std::sync::atomic::Ordering::Relaxed),
            arbiters: self.arbiters.len(),
            entries,
            restarting,
        })
    }
}
