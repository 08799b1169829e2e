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
    /// The database could not be reached or failed.
    #[error("database failure")]
    Database(#[source] Box<dyn Error + Send + Sync>),
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;
