//! The one error type of every store.

use std::error::Error;

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness or foreign-key constraint refused the change; the name tells which.
    #[error("constraint {constraint} refused the change")]
    Constraint { constraint: String },
    /// Stored data that cannot be read back (a bug or a manual edit).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database cannot take the call now: unreachable, timed out, read-only or full.
    /// The same call may succeed later (HTTP: 503 with `Retry-After`; the engine retries).
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn Error + Send + Sync>),
    /// The database failed in another way.
    #[error("database failure")]
    Database(#[source] Box<dyn Error + Send + Sync>),
}

impl StoreError {
    /// True when the failure is the database's availability, not the call's content.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;
