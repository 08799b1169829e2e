//! Why a service could not do what it was asked, in the application's words. The HTTP layer
//! maps each case to a status and the original's body in one place (`http/error.rs`).

use regards_order_actors::engine::EngineError;
use regards_order_actors::ports::StoreError;

/// Message of a 503 caused by the database's availability.
pub const DATABASE_UNAVAILABLE: &str = "The database is unavailable, please try again later";

/// The result of a service call.
pub type AppResult<T> = Result<T, AppError>;

/// What went wrong, with its cause kept for the one place that logs it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing to answer: no basket, an empty selection (the original's 204).
    #[error("nothing to answer")]
    Empty,
    /// The request is malformed or names something impossible (400).
    #[error("{0}")]
    Invalid(String),
    /// The request is well formed but its content cannot be used (422).
    #[error("{}", .0.join("; "))]
    Unprocessable(Vec<String>),
    /// The thing asked for does not exist; with a message, or silent as the original is on
    /// several endpoints.
    #[error("not found")]
    NotFound(Option<String>),
    /// The requester may not see or do this; with a message, or silent as the original is on
    /// orders.
    #[error("forbidden")]
    Forbidden(Option<String>),
    /// A lifecycle rule refuses the action; the original's reason code.
    #[error("{0}")]
    Refused(&'static str),
    /// The request conflicts with what exists (a label already used…).
    #[error("{0}")]
    Conflict(String),
    /// Too large for the configured limits.
    #[error("{0}")]
    TooLarge(String),
    /// A per-user limit is reached (streams at once); try again later.
    #[error("{0}")]
    LimitReached(String),
    /// Cannot be done now (the database or a storage is away); try again later. The message is
    /// for the client: it names no internal address.
    #[error("{0}")]
    Unavailable(String),
    /// The order engine failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else: a bug or an unexpected state, logged with its cause.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// An internal error from a plain message.
    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal(anyhow::anyhow!(message.into()))
    }

    /// 422 with one message.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        AppError::Unprocessable(vec![message.into()])
    }

    /// The database refused before anything changed: try again later.
    pub fn database_unavailable() -> Self {
        AppError::Unavailable(DATABASE_UNAVAILABLE.to_owned())
    }
}

impl From<regards_order_actors::domain::order::LabelError> for AppError {
    fn from(e: regards_order_actors::domain::order::LabelError) -> Self {
        AppError::unprocessable(e.to_string())
    }
}

impl From<regards_order_actors::domain::BasketError> for AppError {
    fn from(e: regards_order_actors::domain::BasketError) -> Self {
        use regards_order_actors::domain::BasketError;
        match e {
            BasketError::SelectionNotFound(_) => AppError::NotFound(Some(e.to_string())),
            BasketError::HasFileFilter(_) | BasketError::HasProcessing(_) => {
                AppError::Invalid(e.to_string())
            }
        }
    }
}
