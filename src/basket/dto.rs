//! The basket's JSON shapes (BasketDto and its parts), as the original writes them.

use chrono::{DateTime, Utc};
use regards_order_actors::domain::{
    Basket, BasketSelectionRequest, DatasetSelection, FileSelectionDescription, ItemsSelection,
    ProcessDatasetDescription, dates,
};
use serde::Serialize;

/// A basket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BasketDto {
    pub id: i64,
    pub owner: String,
    pub dataset_selections: Vec<DatasetSelectionDto>,
    pub quota: i64,
}

/// One dataset of a basket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatasetSelectionDto {
    pub id: i64,
    pub dataset_ipid: String,
    pub dataset_label: String,
    pub objects_count: i64,
    pub files_count: i64,
    pub files_size: i64,
    pub quota: i64,
    pub items_selections: Vec<ItemsSelectionDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_dataset_description: Option<ProcessDatasetDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_selection_description: Option<FileSelectionDescription>,
}

/// One dated selection of a dataset.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemsSelectionDto {
    #[serde(with = "dates::required")]
    #[schema(value_type = String, format = DateTime)]
    pub date: DateTime<Utc>,
    pub selection_request: BasketSelectionRequest,
    pub objects_count: i64,
    pub files_count: i64,
    pub files_size: i64,
    pub quota: i64,
}

impl From<&Basket> for BasketDto {
    fn from(b: &Basket) -> Self {
        Self {
            id: b.id,
            owner: b.owner.clone(),
            dataset_selections: b.selections.iter().map(Into::into).collect(),
            quota: b.quota(),
        }
    }
}

impl From<&DatasetSelection> for DatasetSelectionDto {
    fn from(s: &DatasetSelection) -> Self {
        Self {
            id: s.id,
            dataset_ipid: s.dataset_urn.clone(),
            dataset_label: s.dataset_label.clone(),
            objects_count: s.summary.objects_count,
            files_count: s.summary.files_count(),
            files_size: s.summary.files_size(),
            quota: s.summary.quota(),
            items_selections: s.items.iter().map(Into::into).collect(),
            process_dataset_description: s.process.clone(),
            file_selection_description: s.file_filter.clone(),
        }
    }
}

impl From<&ItemsSelection> for ItemsSelectionDto {
    fn from(i: &ItemsSelection) -> Self {
        Self {
            date: i.date,
            selection_request: i.request.clone(),
            objects_count: i.summary.objects_count,
            files_count: i.summary.files_count(),
            files_size: i.summary.files_size(),
            quota: i.summary.quota(),
        }
    }
}
