//! Order statuses and file states, with the names the API uses.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Status of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Running,
    Paused,
    Expired,
    Failed,
    DoneWithWarning,
    Done,
    Deleted,
    Error,
}

/// Every status, in declaration order.
pub const ALL_STATUSES: [OrderStatus; 9] = [
    OrderStatus::Pending,
    OrderStatus::Running,
    OrderStatus::Paused,
    OrderStatus::Expired,
    OrderStatus::Failed,
    OrderStatus::DoneWithWarning,
    OrderStatus::Done,
    OrderStatus::Deleted,
    OrderStatus::Error,
];

impl OrderStatus {
    /// The API and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Running => "RUNNING",
            OrderStatus::Paused => "PAUSED",
            OrderStatus::Expired => "EXPIRED",
            OrderStatus::Failed => "FAILED",
            OrderStatus::DoneWithWarning => "DONE_WITH_WARNING",
            OrderStatus::Done => "DONE",
            OrderStatus::Deleted => "DELETED",
            OrderStatus::Error => "ERROR",
        }
    }

    /// DONE, DONE_WITH_WARNING or FAILED: retrieval is over.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            OrderStatus::Done | OrderStatus::DoneWithWarning | OrderStatus::Failed
        )
    }
}

impl FromStr for OrderStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_STATUSES
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown order status '{s}'"))
    }
}

/// State of one file of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FileState {
    Pending,
    Available,
    Downloaded,
    DownloadError,
    ProcessingError,
    Error,
}

/// Every file state, in declaration order (the index of a state in per-state counters).
pub const ALL_FILE_STATES: [FileState; 6] = [
    FileState::Pending,
    FileState::Available,
    FileState::Downloaded,
    FileState::DownloadError,
    FileState::ProcessingError,
    FileState::Error,
];

impl FileState {
    /// The API and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Pending => "PENDING",
            FileState::Available => "AVAILABLE",
            FileState::Downloaded => "DOWNLOADED",
            FileState::DownloadError => "DOWNLOAD_ERROR",
            FileState::ProcessingError => "PROCESSING_ERROR",
            FileState::Error => "ERROR",
        }
    }

    /// Position in `ALL_FILE_STATES`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// DOWNLOADED, DOWNLOAD_ERROR, PROCESSING_ERROR or ERROR: nothing more will happen.
    pub fn is_final(self) -> bool {
        !matches!(self, FileState::Pending | FileState::Available)
    }
}

impl FromStr for FileState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_FILE_STATES
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown file state '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ALL_STATUSES {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        for (i, f) in ALL_FILE_STATES.into_iter().enumerate() {
            assert_eq!(f.as_str().parse(), Ok(f));
            assert_eq!(f.index(), i);
        }
        assert!("NOPE".parse::<OrderStatus>().is_err());
    }
}
