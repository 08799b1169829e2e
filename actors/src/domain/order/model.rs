//! The order's stored shape: header, dataset tasks, sub-orders and files.

use crate::domain::catalog::Checksum;
use crate::domain::data_type::DataType;
use crate::domain::order::status::{FileState, OrderStatus};
use crate::domain::{BasketSelectionRequest, FileSelectionDescription, ProcessDatasetDescription};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who created the order, which decides how long restored files stay available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderKind {
    /// `POST /user/orders` (and restart): the user sub-order duration.
    User,
    /// `POST /orders` and `POST /user/orders/apply`: the applicative sub-order duration.
    App,
}

impl OrderKind {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::User => "USER",
            OrderKind::App => "APP",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "USER" => Some(OrderKind::User),
            "APP" => Some(OrderKind::App),
            _ => None,
        }
    }
}

/// The order row: everything listings, search and CSV read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderHeader {
    pub id: i64,
    pub owner: String,
    pub label: String,
    pub kind: OrderKind,
    pub creation_date: DateTime<Utc>,
    pub expiration_date: Option<DateTime<Utc>>,
    pub status: OrderStatus,
    pub status_date: DateTime<Utc>,
    pub percent_completed: i32,
    pub files_in_error: i32,
    pub available_count: i32,
    pub waiting_for_user: bool,
    pub correlation_id: String,
    pub frontend_url: Option<String>,
    /// Error or warning text (not exposed by the API, kept for operators).
    pub message: Option<String>,
}

/// What an order holds for one dataset of its basket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetTask {
    pub id: i64,
    pub dataset_urn: String,
    pub dataset_label: String,
    pub objects_count: i64,
    pub files_count: i64,
    pub files_size: i64,
    /// The basket requests the task was made from: stored, but left empty in an active
    /// order's memory (only creation reads them).
    pub selection_requests: Vec<BasketSelectionRequest>,
    pub process: Option<ProcessDatasetDescription>,
    pub file_filter: Option<FileSelectionDescription>,
}

/// A sub-order: a group of files retrieved together, holding one of the user's slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubOrder {
    pub id: i64,
    pub dataset_task_id: i64,
    /// External sub-orders hold http references, available at once: they need no slot.
    pub external: bool,
}

/// A file of an order, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFile {
    pub id: i64,
    pub suborder_id: i64,
    pub dataset_task_id: i64,
    pub state: FileState,
    pub filename: String,
    pub url: String,
    pub mime_type: Option<String>,
    pub size: Option<i64>,
    pub checksum: Option<Checksum>,
    pub data_type: DataType,
    pub reference: bool,
    pub object_urn: String,
    pub provider_id: String,
    pub version: i32,
    pub download_error: Option<String>,
}

/// The part of a file the order actor keeps in memory (an order may have a million files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSlot {
    pub id: i64,
    pub suborder_id: i64,
    /// Bytes; -1 when unknown.
    pub size: i64,
    pub state: FileState,
}

impl From<&OrderFile> for FileSlot {
    fn from(f: &OrderFile) -> Self {
        Self {
            id: f.id,
            suborder_id: f.suborder_id,
            size: f.size.unwrap_or(-1),
            state: f.state,
        }
    }
}
