//! Messages of the persistence actor.

use crate::ports::{OrderChange, StoreError};
use actix::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Changes to write. Sent with `do_send` so that one sender's messages keep their order (a
/// `send` to a full mailbox would wait and could be overtaken); the outcome comes back on
/// `reply`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Persist {
    /// Progress (files retrieved, downloaded, CRC-32s): never dropped, retried until it
    /// commits, whatever the database does meanwhile.
    pub background: Vec<OrderChange>,
    /// An action's changes: committed with everything queued before them, or dropped with an
    /// error on `reply` (the action is then not applied).
    pub acknowledged: Vec<OrderChange>,
    /// Answered once the message is committed (or its acknowledged changes dropped).
    pub reply: Option<oneshot::Sender<Result<(), PersistError>>>,
    /// The sender waits: write at once rather than within the flush delay.
    pub urgent: bool,
}

/// Writes everything queued and answers once committed (graceful shutdown, and before an
/// order is loaded from the database).
#[derive(Message)]
#[rtype(result = "Result<(), PersistError>")]
pub struct Flush;

/// The database is back: retry now rather than at the end of the backoff.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RetryNow;

/// Asks for the writer's figures (`/admin/actors`).
#[derive(Message)]
#[rtype(result = "PersistenceStatus")]
pub struct Status;

/// Why a change was not committed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PersistError {
    /// The database refused or failed the transaction. Every message of a batch shares its
    /// transaction's outcome, hence the shared cause.
    #[error("the database did not commit the change")]
    Store(#[source] Arc<StoreError>),
    /// No outcome within the time the sender waits (the change may still commit later).
    #[error("not committed within {} s", .0.as_secs_f64())]
    TimedOut(Duration),
    /// The persistence actor stopped before answering.
    #[error("the writer stopped")]
    WriterStopped,
}

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
    /// Failures in a row of the transaction being retried (0 when the last one committed).
    pub consecutive_failures: u32,
    /// Milliseconds until the next attempt, while retrying.
    pub retry_in_millis: Option<u64>,
}
