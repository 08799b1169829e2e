//! Why a lifecycle action is refused: the original's reason codes (answered with HTTP 401).

/// A refused action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("USER_NOT_ALLOWED_TO_MANAGE_ORDER")]
    NotAllowed,
    #[error("ORDER_MUST_BE_PENDING_OR_RUNNING")]
    MustBePendingOrRunning,
    #[error("ORDER_MUST_BE_PAUSED")]
    MustBePaused,
    #[error("ORDER_MUST_BE_DONE_OR_DONE_WITH_WARNING_OR_PAUSED_OR_FAILED_OR_EXPIRED")]
    NotDeletable,
    #[error("ORDER_MUST_BE_DELETED")]
    MustBeDeleted,
    #[error("ORDER_MUST_BE_DONE_OR_DONE_WITH_WARNING_OR_FAILED")]
    NotRestartable,
    #[error("ORDER_MUST_BE_DONE_WITH_WARNING_OR_FAILED")]
    NotRetryable,
    #[error("ORDER_HAS_PROCESSING")]
    HasProcessing,
    #[error("BASKET_NOT_FOUND")]
    BasketNotFound,
}

impl Refusal {
    /// The reason code clients read.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "USER_NOT_ALLOWED_TO_MANAGE_ORDER",
            Refusal::MustBePendingOrRunning => "ORDER_MUST_BE_PENDING_OR_RUNNING",
            Refusal::MustBePaused => "ORDER_MUST_BE_PAUSED",
            Refusal::NotDeletable => {
                "ORDER_MUST_BE_DONE_OR_DONE_WITH_WARNING_OR_PAUSED_OR_FAILED_OR_EXPIRED"
            }
            Refusal::MustBeDeleted => "ORDER_MUST_BE_DELETED",
            Refusal::NotRestartable => "ORDER_MUST_BE_DONE_OR_DONE_WITH_WARNING_OR_FAILED",
            Refusal::NotRetryable => "ORDER_MUST_BE_DONE_WITH_WARNING_OR_FAILED",
            Refusal::HasProcessing => "ORDER_HAS_PROCESSING",
            Refusal::BasketNotFound => "BASKET_NOT_FOUND",
        }
    }
}
