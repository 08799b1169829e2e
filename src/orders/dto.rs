//! The order's JSON shapes (OrderDto, DatasetTaskDto).

use chrono::{DateTime, Utc};
use regards_order_actors::domain::order::{DatasetTask, OrderHeader, OrderStatus};
use regards_order_actors::domain::{FileSelectionDescription, ProcessDatasetDescription, dates};
use serde::Serialize;

/// An order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderDto {
    pub id: i64,
    pub owner: String,
    pub label: String,
    #[serde(with = "dates::required")]
    #[schema(value_type = String, format = DateTime)]
    pub creation_date: DateTime<Utc>,
    #[serde(with = "dates::optional", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expiration_date: Option<DateTime<Utc>>,
    pub percent_completed: i32,
    pub files_in_error_count: i32,
    pub available_files_count: i32,
    pub status: OrderStatus,
    #[serde(with = "dates::required")]
    #[schema(value_type = String, format = DateTime)]
    pub status_date: DateTime<Utc>,
    pub waiting_for_user: bool,
    pub dataset_tasks: Vec<DatasetTaskDto>,
}

/// A dataset task of an order (its id is the `{datasetId}` of the files listing).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatasetTaskDto {
    pub id: i64,
    pub dataset_label: String,
    pub objects_count: i64,
    pub files_count: i64,
    pub files_size: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_dataset_description: Option<ProcessDatasetDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_selection_description: Option<FileSelectionDescription>,
}

impl OrderDto {
    /// The DTO of an order; tasks sorted by dataset label.
    pub fn new(header: &OrderHeader, tasks: &[DatasetTask]) -> Self {
        let mut tasks: Vec<DatasetTaskDto> = tasks
            .iter()
            .map(|t| DatasetTaskDto {
                id: t.id,
                dataset_label: t.dataset_label.clone(),
                objects_count: t.objects_count,
                files_count: t.files_count,
                files_size: t.files_size,
                process_dataset_description: t.process.clone(),
                file_selection_description: t.file_filter.clone(),
            })
            .collect();
        tasks.sort_by(|a, b| a.dataset_label.cmp(&b.dataset_label).then(a.id.cmp(&b.id)));
        Self {
            id: header.id,
            owner: header.owner.clone(),
            label: header.label.clone(),
            creation_date: header.creation_date,
            expiration_date: header.expiration_date,
            percent_completed: header.percent_completed,
            files_in_error_count: header.files_in_error,
            available_files_count: header.available_count,
            status: header.status,
            status_date: header.status_date,
            waiting_for_user: header.waiting_for_user,
            dataset_tasks: tasks,
        }
    }
}
