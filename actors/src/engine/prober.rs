//! The database prober: notices an outage while nothing else talks to the database, and its
//! end while everything waits for it.
//!
//! While the database is up it pings it (a read); while it is down it probes a write (a
//! database that answers reads but refuses writes — a full disk, a read-only file — is still
//! down) and, once a write succeeds, asks the persistence actors to retry at once instead of
//! at the end of their backoff.

use super::EngineDeps;
use super::health::PING_TIMEOUT;
use super::persistence::RetryNow;
use crate::ports::StoreError;
use std::sync::Arc;

/// Runs the prober for as long as the actix System runs.
pub(super) fn start(deps: Arc<EngineDeps>) {
    actix::spawn(async move {
        loop {
            tokio::time::sleep(deps.health.next_ping_in()).await;
            probe(&deps).await;
        }
    });
}

async fn probe(deps: &EngineDeps) {
    let health = &deps.health;
    let up = health.is_up();
    // A successful read says nothing while writes fail: only a write ends an outage.
    let call = async {
        if up {
            deps.probe.ping().await
        } else {
            deps.probe.probe_write().await
        }
    };
    let result = match tokio::time::timeout(PING_TIMEOUT, call).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(
            format!("no answer within {} ms", PING_TIMEOUT.as_millis()).into(),
        )),
    };
    match result {
        Ok(()) if !up => {
            health.report_success();
            for writer in &deps.persistence {
                writer.do_send(RetryNow);
            }
        }
        Ok(()) => {}
        Err(e) if up => health.report_failure(&unavailable(e)),
        Err(_) => {}
    }
}

/// Any failure of a ping is the database's availability.
fn unavailable(e: StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(_) => e,
        other => StoreError::Unavailable(Box::new(other)),
    }
}
