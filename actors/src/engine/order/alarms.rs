//! One timer shared by every order actor: an order's expiration and its idleness checks are
//! entries of a heap of deadlines (a few dozen bytes each), served by one task, instead of a
//! timer (and a spawned future) per actor.

use super::OrderActor;
use actix::WeakAddr;
use actix::prelude::*;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;
// tokio's clock, so that alarms follow a paused clock in tests.
use tokio::time::Instant;

/// What an alarm tells its actor (internal).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
#[rtype(result = "()")]
pub(super) enum Alarm {
    /// The order's expiration date may be reached (a stale alarm finds it is not).
    Expire,
    /// Time to check whether the order has been idle long enough to leave memory.
    CheckIdle,
}

/// One alarm: when, for which actor (weak: an alarm does not keep its actor alive).
struct Entry {
    at: Instant,
    actor: WeakAddr<OrderActor>,
    alarm: Alarm,
}

// Ordered by deadline only, the earliest first out of the max-heap.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.cmp(&self.at)
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

impl Eq for Entry {}

#[derive(Default)]
struct Wheel {
    entries: Mutex<BinaryHeap<Entry>>,
    /// An alarm earlier than every other was set.
    sooner: Notify,
}

impl Wheel {
    fn entries(&self) -> MutexGuard<'_, BinaryHeap<Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forever: sleeps until the earliest deadline (or an earlier alarm is set), then tells
    /// the actors whose alarms are due.
    async fn serve(self: Arc<Self>) {
        loop {
            let next = self.entries().peek().map(|e| e.at);
            match next {
                None => self.sooner.notified().await,
                Some(at) if at > Instant::now() => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = self.sooner.notified() => {}
                    }
                }
                Some(_) => self.ring(),
            }
        }
    }

    /// Tells the actors whose alarms are due.
    fn ring(&self) {
        let now = Instant::now();
        let mut due = Vec::new();
        {
            let mut entries = self.entries();
            while entries.peek().is_some_and(|e| e.at <= now) {
                due.extend(entries.pop());
            }
        }
        for entry in due {
            if let Some(actor) = entry.actor.upgrade() {
                actor.do_send(entry.alarm);
            }
        }
    }
}

/// The alarms of every order actor.
#[derive(Default)]
pub(crate) struct Alarms {
    wheel: Arc<Wheel>,
    serving: AtomicBool,
}

impl Alarms {
    /// Tells `actor` `alarm` at `at`.
    pub(super) fn set(&self, at: Instant, actor: WeakAddr<OrderActor>, alarm: Alarm) {
        if !self.serving.swap(true, std::sync::atomic::Ordering::AcqRel) {
            actix::spawn(Arc::clone(&self.wheel).serve());
        }
        let sooner = {
            let mut entries = self.wheel.entries();
            let sooner = entries.peek().is_none_or(|e| at < e.at);
            entries.push(Entry { at, actor, alarm });
            sooner
        };
        if sooner {
            self.wheel.sooner.notify_one();
        }
    }
}
