//! Sub-orders waiting for their storage to admit a retrieval run: a queue entry each (the
//! actor's weak address and the run's key, a few dozen bytes), not a task. One dispatcher
//! task per storage takes the storage's admissions one at a time, in arrival order, and hands
//! each to the next waiting sub-order; only then does the sub-order's run start (and read its
//! files' locations).

use super::OrderActor;
use crate::ports::{Admission, Storage};
use actix::WeakAddr;
use actix::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;

/// The storage admitted a waiting sub-order's run (internal): the run starts with this
/// admission for its first file. Dropped unhandled (the actor stopped), the admission goes
/// back to the storage.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct RunAdmitted {
    pub generation: u64,
    pub suborder_id: i64,
    pub admission: Admission,
}

/// One waiting sub-order. A weak address: a queued sub-order does not keep its actor alive.
struct Waiter {
    actor: WeakAddr<OrderActor>,
    generation: u64,
    suborder_id: i64,
}

/// The waiting sub-orders of one storage.
#[derive(Default)]
struct StorageQueue {
    waiters: Mutex<VecDeque<Waiter>>,
    arrived: Notify,
}

impl StorageQueue {
    fn waiters(&self) -> MutexGuard<'_, VecDeque<Waiter>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forever: waits for a sub-order, then for an admission, and hands it over; an
    /// admission whose actor is gone goes to the next sub-order.
    async fn dispatch(self: Arc<Self>, storage: Arc<dyn Storage>) {
        loop {
            if self.waiters().is_empty() {
                self.arrived.notified().await;
                continue;
            }
            let mut admission = Some(storage.admit().await);
            while let Some(taken) = admission.take() {
                let Some(waiter) = self.waiters().pop_front() else {
                    break;
                };
                let message = RunAdmitted {
                    generation: waiter.generation,
                    suborder_id: waiter.suborder_id,
                    admission: taken,
                };
                match waiter.actor.upgrade() {
                    Some(actor) => actor.do_send(message),
                    None => admission = Some(message.admission),
                }
            }
        }
    }
}

/// The queues of every storage, shared by the order actors.
#[derive(Default)]
pub(crate) struct RunQueue {
    storages: Mutex<HashMap<String, Arc<StorageQueue>>>,
}

impl RunQueue {
    /// Queues a sub-order's run on `storage`; its actor gets `RunAdmitted` once admitted.
    pub(super) fn enqueue(
        &self,
        storage: Arc<dyn Storage>,
        actor: WeakAddr<OrderActor>,
        generation: u64,
        suborder_id: i64,
    ) {
        let queue = {
            let mut storages = self.storages.lock().unwrap_or_else(PoisonError::into_inner);
            match storages.get(storage.name()) {
                Some(queue) => Arc::clone(queue),
                None => {
                    let queue = Arc::new(StorageQueue::default());
                    storages.insert(storage.name().to_owned(), Arc::clone(&queue));
                    actix::spawn(Arc::clone(&queue).dispatch(storage));
                    queue
                }
            }
        };
        queue.waiters().push_back(Waiter {
            actor,
            generation,
            suborder_id,
        });
        queue.arrived.notify_one();
    }
}
