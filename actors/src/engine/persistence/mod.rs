//! The persistence actor: writes order changes to the database in batches (group commit).
//!
//! A change that an HTTP answer acknowledges is sent with `ack`: the caller waits until the
//! transaction holding it has committed, and concurrent acknowledged changes share one
//! transaction. Background progress (a file became AVAILABLE) is written without waiting,
//! within `flush_delay`; after a crash it is re-derived, since retrieval is idempotent.

mod handlers;
mod messages;

pub use messages::{Flush, Persist, PersistError, PersistenceStatus, Status};

use crate::ports::{OrderChange, OrderStore};
use actix::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// One batching writer. Several may run (sharded by order id); each writes its own orders.
pub struct PersistenceActor {
    store: Arc<dyn OrderStore>,
    flush_delay: Duration,
    pending: Vec<OrderChange>,
    waiters: Vec<oneshot::Sender<Result<(), PersistError>>>,
    flushing: bool,
    flush_scheduled: bool,
    status: PersistenceStatus,
}

impl PersistenceActor {
    /// A writer on `store` that holds background changes at most `flush_delay`.
    pub fn new(store: Arc<dyn OrderStore>, flush_delay: Duration) -> Self {
        Self {
            store,
            flush_delay,
            pending: Vec::new(),
            waiters: Vec::new(),
            flushing: false,
            flush_scheduled: false,
            status: PersistenceStatus::default(),
        }
    }

    /// Starts a flush now if none is running, or schedules one within `flush_delay`.
    fn schedule(&mut self, ctx: &mut Context<Self>, urgent: bool) {
        if self.flushing || self.pending.is_empty() {
            return;
        }
        if urgent {
            self.flush(ctx);
        } else if !self.flush_scheduled {
            self.flush_scheduled = true;
            ctx.run_later(self.flush_delay, |act, ctx| {
                act.flush_scheduled = false;
                if !act.flushing {
                    act.flush(ctx);
                }
            });
        }
    }

    /// Writes everything pending in one transaction, then answers the waiters.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.pending);
        let waiters = std::mem::take(&mut self.waiters);
        self.flushing = true;
        self.status.queue_length = 0;
        let store = self.store.clone();
        let size = batch.len();
        let started = std::time::Instant::now();
        let write = async move { store.apply_changes(&batch).await.map(|()| batch) };
        ctx.spawn(write.into_actor(self).map(move |result, act, ctx| {
            act.flushing = false;
            act.status.batches += 1;
            act.status.last_batch_size = size;
            act.status.last_batch_millis = started.elapsed().as_secs_f64() * 1000.0;
            match result {
                Ok(_) => {
                    for w in waiters {
                        let _ = w.send(Ok(()));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, changes = size, "cannot write order changes");
                    act.status.failures += 1;
                    for w in waiters {
                        let _ = w.send(Err(PersistError(e.to_string())));
                    }
                }
            }
            if act.pending.is_empty() {
                // Waiters with nothing queued (a Flush) asked only for what came before.
                for w in act.waiters.drain(..) {
                    let _ = w.send(Ok(()));
                }
            }
            let urgent = !act.waiters.is_empty();
            act.schedule(ctx, urgent);
        }));
    }
}

impl Actor for PersistenceActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Bounded: an overloaded writer pushes back on the order actors.
        ctx.set_mailbox_capacity(1024);
    }
}
