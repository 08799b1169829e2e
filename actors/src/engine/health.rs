//! Whether the database takes writes now, as the engine last saw it.
//!
//! Persistence actors report every transaction, a prober pings while nothing else talks to the
//! database, and acknowledged actions are refused at once while the database is down instead
//! of each waiting for its own timeout. An outage is logged once when it starts and once when
//! it ends, never once per failed statement.

use crate::ports::{StoreError, StoreResult};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Longest wait for one ping of the prober: a database that does not answer within it counts
/// as down (a readiness probe usually allows 1 s).
pub const PING_TIMEOUT: Duration = Duration::from_millis(800);

/// Pause between pings while the database is up: an idle service notices an outage this fast.
const PING_EVERY_WHEN_UP: Duration = Duration::from_secs(2);

/// Pause between probes while the database is down: its return is noticed this fast.
const PING_EVERY_WHEN_DOWN: Duration = Duration::from_millis(250);

/// The database's availability, shared by the engine's actors and the HTTP layer.
#[derive(Debug)]
pub struct DatabaseHealth {
    up: watch::Sender<bool>,
    down_since: Mutex<Option<Instant>>,
}

impl Default for DatabaseHealth {
    fn default() -> Self {
        Self {
            up: watch::Sender::new(true),
            down_since: Mutex::new(None),
        }
    }
}

impl DatabaseHealth {
    /// True unless the last call to the database failed for its availability.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Since when the database is down, if it is.
    pub fn down_for(&self) -> Option<Duration> {
        self.down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map(|since| since.elapsed())
    }

    /// Notes the outcome of a call: an unavailability marks the database down, a success up;
    /// other failures (a constraint, a bad row) say nothing about availability.
    pub fn observe<T>(&self, result: &StoreResult<T>) {
        match result {
            Ok(_) => self.report_success(),
            Err(e) if e.is_unavailable() => self.report_failure(e),
            Err(_) => {}
        }
    }

    /// The database answered a write: up again if it was down.
    pub fn report_success(&self) {
        let mut since = self
            .down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(started) = since.take() {
            tracing::warn!(
                outage_secs = started.elapsed().as_secs_f64(),
                "the database is available again"
            );
            self.up.send_replace(true);
        }
    }

    /// The database could not serve a call: down, logged once per outage.
    pub fn report_failure(&self, error: &StoreError) {
        let mut since = self
            .down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if since.is_none() {
            tracing::error!(
                error = format!("{:#}", anyhow_chain(error)),
                "the database is unavailable: acknowledged actions answer 503 and background \
                 changes are kept until it is back"
            );
            *since = Some(Instant::now());
            self.up.send_replace(false);
        }
    }

    /// Waits until the database is up (at once when it is).
    pub async fn wait_until_up(&self) {
        let mut receiver = self.up.subscribe();
        // The sender lives as long as `self`: an error cannot happen while we borrow it.
        let _ = receiver.wait_for(|up| *up).await;
    }

    /// A receiver that sees every change of availability.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.up.subscribe()
    }

    /// Pause before the prober's next ping.
    pub fn next_ping_in(&self) -> Duration {
        if self.is_up() {
            PING_EVERY_WHEN_UP
        } else {
            PING_EVERY_WHEN_DOWN
        }
    }
}

/// The error and its sources, `: `-separated, for the one log line of an outage.
fn anyhow_chain(error: &StoreError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unavailable() -> StoreError {
        StoreError::Unavailable("connection refused".into())
    }

    #[test]
    fn unavailability_marks_down_until_a_success() {
        let health = DatabaseHealth::default();
        assert!(health.is_up());
        health.observe::<()>(&Err(StoreError::Corrupt("bad row".into())));
        assert!(health.is_up(), "a bad row says nothing about availability");
        health.observe::<()>(&Err(unavailable()));
        assert!(!health.is_up());
        assert!(health.down_for().is_some());
        health.observe::<()>(&Err(unavailable()));
        assert!(!health.is_up());
        health.observe(&Ok(()));
        assert!(health.is_up());
        assert_eq!(health.down_for(), None);
    }

    #[test]
    fn the_chain_names_every_cause() {
        assert_eq!(
            anyhow_chain(&unavailable()),
            "database unavailable: connection refused"
        );
    }

    #[actix_rt::test]
    async fn waiters_wake_when_the_database_is_back() {
        let health = std::sync::Arc::new(DatabaseHealth::default());
        health.report_failure(&unavailable());
        let waiter = {
            let health = health.clone();
            tokio::spawn(async move { health.wait_until_up().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        health.report_success();
        let woke = tokio::time::timeout(Duration::from_secs(1), waiter).await;
        assert!(matches!(woke, Ok(Ok(()))));
    }
}
