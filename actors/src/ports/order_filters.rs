//! What a listing of orders or of an order's files asks for: filters, sort keys and pages, as
//! the admin search, "my orders", the CSV export and the file listings give them.

use crate::domain::order::{FileState, OrderStatus};
use chrono::{DateTime, Utc};

/// Restriction on statuses of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusFilter {
    Include(Vec<OrderStatus>),
    Exclude(Vec<OrderStatus>),
}

/// Filters of the admin search, the CSV export and "my orders"; every given one applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Substring of the owner (SQL LIKE '%text%', `%` and `_` matched literally).
    pub owner_contains: Option<String>,
    /// Exact owner.
    pub owner: Option<String>,
    pub statuses: Option<StatusFilter>,
    /// Inclusive bounds of the creation date.
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub waiting_for_user: Option<bool>,
}

/// Sortable columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    Id,
    CreationDate,
    ExpirationDate,
    Owner,
    Label,
    Status,
    StatusDate,
    PercentCompleted,
}

impl OrderSort {
    /// Parses a property name of the API (`creationDate`, …).
    pub fn parse(property: &str) -> Option<Self> {
        Some(match property {
            "id" => OrderSort::Id,
            "creationDate" => OrderSort::CreationDate,
            "expirationDate" => OrderSort::ExpirationDate,
            "owner" => OrderSort::Owner,
            "label" => OrderSort::Label,
            "status" => OrderSort::Status,
            "statusDate" => OrderSort::StatusDate,
            "percentCompleted" => OrderSort::PercentCompleted,
            _ => return None,
        })
    }
}

/// A page to read: 0-based `page`, `size` items, then the sort keys (descending = true).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
    pub sort: Vec<(OrderSort, bool)>,
}

/// Which files of an order a listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFilter {
    pub dataset_task_id: Option<i64>,
    pub suborder_id: Option<i64>,
    pub state: Option<FileState>,
}

/// Sortable columns of file listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSort {
    Id,
    Filename,
    FilesTaskId,
    State,
    Size,
}

impl FileSort {
    /// Parses a property name of the API (`id`, `filename`, `filesTaskId`, …).
    pub fn parse(property: &str) -> Option<Self> {
        Some(match property {
            "id" => FileSort::Id,
            "filename" => FileSort::Filename,
            "filesTaskId" => FileSort::FilesTaskId,
            "state" => FileSort::State,
            "filesize" | "size" => FileSort::Size,
            _ => return None,
        })
    }
}
