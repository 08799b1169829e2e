//! The persistence actor: the one writer of order changes, in batches (group commit).
//!
//! An acknowledged change (an action an HTTP answer confirms) starts a transaction at once;
//! everything queued meanwhile rides along, and the sender hears once it is committed — or
//! that it was not, in which case the action is not applied anywhere. Background progress (a
//! file became AVAILABLE, was downloaded, its CRC-32) waits at most `flush_delay` and is never
//! dropped: a transaction that fails keeps it and is retried with capped exponential backoff
//! until it commits, so that what a response showed during a database outage reaches the
//! database once it is back. Every change is idempotent (states, headers, deletions), so a
//! batch written twice — a commit whose answer was lost — is harmless.

mod handlers;
mod messages;
mod queue;
#[cfg(test)]
mod tests;

pub use messages::{Flush, Persist, PersistError, PersistenceStatus, RetryNow, Status};

use crate::engine::backoff::Backoff;
use crate::engine::health::DatabaseHealth;
use crate::ports::{ChangeWriter, OrderChange, StoreError, StoreResult};
use actix::prelude::*;
use queue::{Queued, WriteQueue};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest time one transaction may take before it is abandoned (rolled back) and retried: a
/// database that hangs must not stop progress forever.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Pause after a first failed transaction: a blip of the database costs little.
const FIRST_RETRY: Duration = Duration::from_millis(50);

/// Longest pause between attempts: a database that comes back is written to within this
/// (sooner, when the health prober sees it back and asks for a retry).
const LONGEST_RETRY: Duration = Duration::from_secs(5);

/// One batching writer. Several may run (sharded by order id); each writes its own orders.
pub struct PersistenceActor {
    store: Arc<dyn ChangeWriter>,
    health: Arc<DatabaseHealth>,
    flush_delay: Duration,
    queue: WriteQueue,
    flushing: bool,
    flush_scheduled: bool,
    backoff: Backoff,
    /// The pending retry after a failure, and when it fires.
    retry: Option<(SpawnHandle, Instant)>,
    /// After a failure that is not the database's availability, messages are written one per
    /// transaction until one commits, so that a message the database refuses is found and
    /// dropped instead of blocking everything behind it.
    isolate: bool,
    status: PersistenceStatus,
}

/// What a transaction attempt gives back: each message with its outcome.
type Attempt = Vec<(Queued, Result<(), Arc<StoreError>>)>;

impl PersistenceActor {
    /// A writer on `store` that holds background changes at most `flush_delay` and reports the
    /// database's availability to `health`.
    pub fn new(
        store: Arc<dyn ChangeWriter>,
        health: Arc<DatabaseHealth>,
        flush_delay: Duration,
    ) -> Self {
        Self {
            store,
            health,
            flush_delay,
            queue: WriteQueue::default(),
            flushing: false,
            flush_scheduled: false,
            backoff: Backoff::new(FIRST_RETRY, LONGEST_RETRY),
            retry: None,
            isolate: false,
            status: PersistenceStatus::default(),
        }
    }

    fn enqueue(&mut self, message: Queued, ctx: &mut Context<Self>) {
        self.queue.push(message);
        self.status.queue_length = self.queue.change_count();
        self.schedule(ctx);
    }

    /// Starts a transaction now when someone waits, or within `flush_delay`; nothing while
    /// one runs or while a retry waits for its backoff.
    fn schedule(&mut self, ctx: &mut Context<Self>) {
        if self.flushing || self.retry.is_some() || self.queue.is_empty() {
            return;
        }
        if self.queue.is_urgent() {
            self.flush(ctx);
        } else if !self.flush_scheduled {
            self.flush_scheduled = true;
            ctx.run_later(self.flush_delay, |act, ctx| {
                act.flush_scheduled = false;
                if !act.flushing && act.retry.is_none() {
                    act.flush(ctx);
                }
            });
        }
    }

    /// Writes everything queued: in one transaction, or one per message while isolating.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        let batch = self.queue.take();
        self.status.queue_length = 0;
        if batch.iter().all(|m| m.changes().next().is_none()) {
            // Only callers waiting for what came before, which is committed.
            WriteQueue::committed(batch);
            return;
        }
        self.flushing = true;
        let store = self.store.clone();
        let isolate = self.isolate;
        let size = batch.iter().map(|m| m.changes().count()).sum();
        let started = Instant::now();
        let write = attempt(store, batch, isolate);
        ctx.spawn(write.into_actor(self).map(move |outcome, act, ctx| {
            act.flushing = false;
            act.status.last_batch_size = size;
            act.status.last_batch_millis = started.elapsed().as_secs_f64() * 1000.0;
            act.settle(outcome);
            act.status.queue_length = act.queue.change_count();
            act.after_attempt(ctx);
        }));
    }

    /// Answers, requeues or drops each message of an attempt.
    fn settle(&mut self, outcome: Attempt) {
        let mut failed = Vec::new();
        let mut cause: Option<Arc<StoreError>> = None;
        for (message, result) in outcome {
            match result {
                Ok(()) => WriteQueue::committed(vec![message]),
                Err(e) if !e.is_unavailable() && self.isolate => {
                    WriteQueue::rejected(message, &PersistError::Store(e))
                }
                Err(e) => {
                    failed.push(message);
                    cause.get_or_insert(e);
                }
            }
        }
        let Some(cause) = cause else {
            self.status.batches += 1;
            self.health.report_success();
            self.backoff.reset();
            self.isolate = false;
            return;
        };
        self.status.failures += 1;
        if cause.is_unavailable() {
            self.health.report_failure(&cause);
        } else {
            tracing::warn!(error = %cause, "order changes not written; retried one message at a time");
            self.isolate = true;
        }
        self.queue.failed(failed, &PersistError::Store(cause));
        self.backoff.failed();
    }

    /// Schedules the retry after a failure, or the next transaction.
    fn after_attempt(&mut self, ctx: &mut Context<Self>) {
        self.status.consecutive_failures = self.backoff.failures();
        if self.backoff.failures() == 0 || self.queue.is_empty() {
            self.status.retry_in_millis = None;
            self.schedule(ctx);
            return;
        }
        let delay = self.backoff.delay();
        self.status.retry_in_millis = Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
        let handle = ctx.run_later(delay, |act, ctx| {
            act.retry = None;
            act.status.retry_in_millis = None;
            act.schedule_now(ctx);
        });
        self.retry = Some((handle, Instant::now() + delay));
    }

    /// Writes at once whatever waits (a retry that is due).
    fn schedule_now(&mut self, ctx: &mut Context<Self>) {
        if !self.flushing && !self.queue.is_empty() {
            self.flush(ctx);
        }
    }
}

/// One transaction for the whole batch, or one per message while isolating.
async fn attempt(store: Arc<dyn ChangeWriter>, batch: Vec<Queued>, isolate: bool) -> Attempt {
    if isolate {
        let mut outcome = Vec::with_capacity(batch.len());
        for message in batch {
            let changes: Vec<&OrderChange> = message.changes().collect();
            let result = write(store.as_ref(), &changes).await.map_err(Arc::new);
            outcome.push((message, result));
        }
        return outcome;
    }
    let changes: Vec<&OrderChange> = batch.iter().flat_map(Queued::changes).collect();
    // Every message of the batch shares the transaction's outcome.
    let shared = write(store.as_ref(), &changes).await.map_err(Arc::new);
    batch
        .into_iter()
        .map(|message| (message, shared.clone()))
        .collect()
}

/// One transaction, abandoned (rolled back) after `ATTEMPT_TIMEOUT`.
async fn write(store: &dyn ChangeWriter, changes: &[&OrderChange]) -> StoreResult<()> {
    match tokio::time::timeout(ATTEMPT_TIMEOUT, store.apply_changes(changes)).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(
            format!("no commit within {} s", ATTEMPT_TIMEOUT.as_secs()).into(),
        )),
    }
}

impl Actor for PersistenceActor {
    type Context = Context<Self>;
}
