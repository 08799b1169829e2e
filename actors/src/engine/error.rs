//! Why the engine could not do what it was asked, with the cause kept for the one place that
//! logs it.

use super::persistence::PersistError;
use crate::domain::order::Refusal;
use crate::ports::StoreError;

/// What an engine call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No such order in this tenant.
    #[error("no such order")]
    NotFound,
    /// A lifecycle rule refuses the action (answered 401 with `Refusal::code`).
    #[error("the action is refused: {0}")]
    Refused(Refusal),
    /// The database is down: the action was refused before anything changed.
    #[error("the database is unavailable")]
    DatabaseUnavailable,
    /// The action could not be committed: it is applied nowhere, the caller may try again.
    #[error("the action was not committed")]
    NotCommitted(#[source] PersistError),
    /// The engine did not answer in time, or the order's actor keeps stopping; the text says
    /// which and may be shown to clients.
    #[error("{0}")]
    Busy(&'static str),
    /// Reading the database failed.
    #[error("the order engine cannot read the database")]
    Store(#[source] StoreError),
}
