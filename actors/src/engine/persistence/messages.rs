//! Messages of the persistence actor.

use crate::ports::OrderChange;
use actix::prelude::*;

/// Changes to write; with `ack`, the answer comes once they are committed.
#[derive(Message)]
#[rtype(result = "Result<(), PersistError>")]
pub struct Persist {
    pub changes: Vec<OrderChange>,
    pub ack: bool,
}

/// Writes everything queued and answers once committed (graceful shutdown).
#[derive(Message)]
#[rtype(result = "Result<(), PersistError>")]
pub struct Flush;

/// Asks for the writer's figures (`/admin/actors`).
#[derive(Message)]
#[rtype(result = "PersistenceStatus")]
pub struct Status;

/// A write failed; the text is the database's cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot persist the change: {0}")]
pub struct PersistError(pub String);

/// Figures of one persistence actor.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistenceStatus {
    /// Changes waiting for the next transaction.
    pub queue_length: usize,
    /// Changes written by the last transaction.
    pub last_batch_size: usize,
    /// Duration of the last transaction, in milliseconds.
    pub last_batch_millis: f64,
    /// Transactions written since start.
    pub batches: u64,
    /// Transactions that failed since start.
    pub failures: u64,
}
