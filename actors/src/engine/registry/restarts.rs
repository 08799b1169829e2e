//! The registry's memory of order actors that died: how often, and when each is re-created.
//!
//! An actor that keeps dying (a panic on every start) is re-created with backoff, 1 s doubling
//! to 60 s, instead of in a tight loop; one that has lived a while starts again from 1 s. What
//! is remembered is bounded: an order is forgotten once it leaves memory normally or has not
//! died for a while.

use crate::domain::Tenant;
use crate::engine::backoff::Backoff;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// First pause before an actor that died is re-created.
const FIRST_RESTART: Duration = Duration::from_secs(1);

/// Longest pause before re-creating an actor that keeps dying.
const LONGEST_RESTART: Duration = Duration::from_secs(60);

/// An actor that lived this long since its last re-creation died "for the first time" again.
const STABLE_AFTER: Duration = Duration::from_secs(120);

/// An order that has not died for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// The key of an order.
pub type OrderKey = (Tenant, i64);

/// One order's deaths.
#[derive(Debug, Clone)]
pub struct Deaths {
    /// Deaths since the engine started (shown to operators).
    pub total: u32,
    backoff: Backoff,
    last_death: Instant,
    /// When the actor is due to be re-created, while it waits.
    pub due: Option<Instant>,
}

/// Every order whose actor died recently.
#[derive(Debug, Default)]
pub struct Restarts {
    orders: HashMap<OrderKey, Deaths>,
}

impl Restarts {
    /// Records a death; answers the pause before the actor is re-created.
    pub fn died(&mut self, key: &OrderKey) -> Duration {
        let now = Instant::now();
        let deaths = self.orders.entry(key.clone()).or_insert_with(|| Deaths {
            total: 0,
            backoff: Backoff::new(FIRST_RESTART, LONGEST_RESTART),
            last_death: now,
            due: None,
        });
        if now.duration_since(deaths.last_death) > STABLE_AFTER {
            deaths.backoff.reset();
        }
        deaths.total = deaths.total.saturating_add(1);
        deaths.backoff.failed();
        deaths.last_death = now;
        let delay = deaths.backoff.delay();
        deaths.due = Some(now + delay);
        delay
    }

    /// Deaths of `key` so far (0 when it never died or was forgotten).
    pub fn total(&self, key: &OrderKey) -> u32 {
        self.orders.get(key).map_or(0, |d| d.total)
    }

    /// How long until `key` may be re-created, while it waits for that.
    pub fn waiting(&self, key: &OrderKey) -> Option<Duration> {
        let due = self.orders.get(key)?.due?;
        Some(due.saturating_duration_since(Instant::now()))
    }

    /// The re-creation of `key` is starting: it no longer waits.
    pub fn recreating(&mut self, key: &OrderKey) {
        if let Some(deaths) = self.orders.get_mut(key) {
            deaths.due = None;
        }
    }

    /// The order left memory normally (or is gone): nothing to remember.
    pub fn forget(&mut self, key: &OrderKey) {
        self.orders.remove(key);
    }

    /// Forgets orders that have not died for a while and do not wait.
    pub fn prune(&mut self) {
        self.orders
            .retain(|_, d| d.due.is_some() || d.last_death.elapsed() < FORGET_AFTER);
    }

    /// Orders waiting to be re-created, with their deaths and the wait left.
    pub fn all_waiting(&self) -> Vec<(OrderKey, u32, Duration)> {
        let now = Instant::now();
        self.orders
            .iter()
            .filter_map(|(key, d)| {
                d.due
                    .map(|due| (key.clone(), d.total, due.saturating_duration_since(now)))
            })
            .collect()
    }

    /// Orders remembered (bounded by `prune`).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.orders.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> OrderKey {
        (Tenant::parse("t").unwrap(), 7)
    }

    #[test]
    fn an_actor_that_keeps_dying_waits_longer_each_time() {
        let mut restarts = Restarts::default();
        let delays: Vec<u64> = (0..8).map(|_| restarts.died(&key()).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(restarts.total(&key()), 8);
        assert!(restarts.waiting(&key()).is_some());
        restarts.recreating(&key());
        assert_eq!(restarts.waiting(&key()), None);
        assert_eq!(restarts.all_waiting().len(), 0);
    }

    #[test]
    fn forgotten_orders_leave_no_trace() {
        let mut restarts = Restarts::default();
        restarts.died(&key());
        restarts.prune();
        assert_eq!(restarts.len(), 1, "still waiting to be re-created");
        restarts.forget(&key());
        assert_eq!(restarts.len(), 0);
        assert_eq!(restarts.total(&key()), 0);
    }
}
