//! Messages of an order actor.

use super::coverage::Download;
use super::renderings::Renderings;
use crate::domain::order::{DatasetTask, FileState, OrderHeader, Refusal};
use crate::engine::persistence::PersistError;
use actix::prelude::*;
use std::sync::Arc;

/// Who asks for a lifecycle action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub email: String,
    /// ADMIN or above: may manage any order of the tenant.
    pub is_admin: bool,
    /// Request id of the HTTP request, for the logs (trace context does not cross a mailbox).
    pub request_id: String,
}

/// Why an action failed.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ActionError {
    /// Refused by the lifecycle rules: the original's 401 with a reason code.
    #[error("{0}")]
    Refused(Refusal),
    /// The change could not be committed.
    #[error(transparent)]
    Persist(#[from] PersistError),
    /// The database is down: the action is refused before anything changes.
    #[error("the database is unavailable")]
    Unavailable,
}

/// What readers of an order see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSnapshot {
    /// The order's own header, shared (not copied) with its aggregate until it changes.
    pub header: Arc<OrderHeader>,
    /// The order's own tasks, shared (not copied) with its aggregate.
    pub tasks: Arc<[DatasetTask]>,
    /// PAUSED and no retrieval in flight: resume is possible.
    pub effectively_paused: bool,
    /// What readers built from this snapshot (empty when published).
    pub rendered: Renderings,
}

/// Reads the order.
#[derive(Message)]
#[rtype(result = "OrderSnapshot")]
pub(crate) struct GetOrder;

/// A lifecycle action on the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pause,
    Resume,
    Delete,
    /// Retry, with the tenant's durations in effect now (the order's new lifetime).
    Retry {
        suborder_duration: chrono::Duration,
        max_lifetime: chrono::Duration,
    },
    /// Only checks that a restart is allowed (the new order is created by the caller).
    CheckRestart,
    /// Hard removal: the order and its archived basket are deleted, the actor stops.
    Remove,
}

/// Runs an action; answers once its change is committed.
#[derive(Message)]
#[rtype(result = "Result<OrderSnapshot, ActionError>")]
pub(crate) struct Act {
    pub action: Action,
    pub requester: Requester,
}

/// Files were downloaded (DOWNLOADED) or failed to (DOWNLOAD_ERROR, with the reason).
/// Recorded as progress: answered at once, written within the flush delay, never dropped.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct FilesDownloaded {
    pub files: Vec<(i64, FileState, Option<String>)>,
}

/// Bytes `range` of a download `size` bytes long reached its client (a whole response, or
/// the part of a cut one that was sent). Answers true once the ranges served of `download`
/// cover all its bytes (its entry is then gone): the sender records what the download
/// delivered (`FilesDownloaded`). A file already downloaded, or not this order's, is never
/// covered.
#[derive(Message)]
#[rtype(result = "bool")]
pub(crate) struct RangeServed {
    pub download: Download,
    pub range: std::ops::Range<u64>,
    pub size: u64,
}

/// CRC-32s measured outside retrieval (a first zip), to record as progress.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct RecordCrcs(pub Vec<(i64, u32)>);

/// Writes what the actor has not written yet and answers once committed, so that a reader of
/// the database right after sees what the actor shows (read-your-writes).
#[derive(Message)]
#[rtype(result = "Result<(), ActionError>")]
pub(crate) struct SyncToStore;

/// Figures of the actor for operators.
#[derive(Message)]
#[rtype(result = "ActorInfo")]
pub(crate) struct Inspect;

/// What `/admin/actors` shows of one order actor.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorInfo {
    pub order_id: i64,
    pub tenant: String,
    pub status: String,
    pub mailbox_length: usize,
    pub in_flight_retrievals: usize,
    pub active_suborders: usize,
    pub restarts: u32,
    pub last_persisted: Option<String>,
    /// Files and archives partly downloaded (ranges served that do not cover them yet).
    pub partial_downloads: usize,
}

/// Makes the actor panic: fault injection for tests of supervision.
#[cfg(feature = "fault-injection")]
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Crash;
