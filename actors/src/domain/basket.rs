//! Baskets: what a user has selected and will turn into an order.

use crate::domain::dates;
use crate::domain::summary::FileTypeSummary;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A selection as clients send it (`POST /order/basket/selection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BasketSelectionRequest {
    /// Not blank (`legacy`): a character that `str::trim` does not remove.
    #[serde(default)]
    #[schema(
        required = true,
        pattern = "[^\\t\\n\\x0B\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]"
    )]
    pub engine_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_urn: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub search_parameters: BTreeMap<String, Vec<String>>,
    /// Duplicates are taken once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub entity_ids_to_include: Option<BTreeSet<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub entity_ids_to_exclude: Option<BTreeSet<String>>,
    #[serde(
        default,
        with = "dates::optional",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = dates::optional_schema)]
    pub selection_date: Option<DateTime<Utc>>,
}

impl BasketSelectionRequest {
    /// The `q` values of the search parameters (several are combined with AND).
    pub fn queries(&self) -> impl Iterator<Item = &str> {
        self.search_parameters
            .get("q")
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|q| !q.trim().is_empty())
    }
}

/// A processing attached to a dataset selection (stored and returned; run by rs-processing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcessDatasetDescription {
    #[schema(format = "uuid")]
    pub process_business_id: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// A file filter of a dataset selection: file types (`RAWDATA`, `QUICKLOOK`) and a regular
/// expression that must match the whole file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileSelectionDescription {
    #[serde(default)]
    #[schema(value_type = Vec<FilterFileType>)]
    pub file_types: BTreeSet<String>,
    /// Must match the whole file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Regex)]
    pub file_name_pattern: Option<String>,
}

/// A file type a filter names, for the OpenAPI document: `QUICKLOOK` stands for the three
/// quicklook sizes.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
pub enum FilterFileType {
    RAWDATA,
    QUICKLOOK,
}

/// One dated selection inside a dataset selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemsSelection {
    pub date: DateTime<Utc>,
    pub request: BasketSelectionRequest,
    pub summary: FileTypeSummary,
}

/// Everything a basket holds for one dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSelection {
    /// 0 until stored.
    pub id: i64,
    pub dataset_urn: String,
    pub dataset_label: String,
    /// Counters of the union of every item selection.
    pub summary: FileTypeSummary,
    pub process: Option<ProcessDatasetDescription>,
    pub file_filter: Option<FileSelectionDescription>,
    /// Sorted by date.
    pub items: Vec<ItemsSelection>,
}

/// A user's basket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basket {
    /// 0 until stored.
    pub id: i64,
    pub owner: String,
    /// Sorted by dataset label, case-insensitively.
    pub selections: Vec<DatasetSelection>,
}

/// Why a basket change is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BasketError {
    #[error("Dataset selection {0} is not in the basket")]
    SelectionNotFound(i64),
    #[error("Dataset selection {0} has a file filter: it cannot also have a processing")]
    HasFileFilter(i64),
    #[error("Dataset selection {0} has a processing: it cannot also have a file filter")]
    HasProcessing(i64),
}

impl Basket {
    /// An empty, not yet stored basket.
    pub fn new(owner: &str) -> Self {
        Self {
            id: 0,
            owner: owner.to_owned(),
            selections: Vec::new(),
        }
    }

    /// Sum of the dataset selections' quotas.
    pub fn quota(&self) -> i64 {
        self.selections.iter().map(|s| s.summary.quota()).sum()
    }

    /// Adds a dated item selection to the dataset's selection, creating it if needed.
    /// An item with the same date is not added twice. Returns the dataset selection.
    pub fn add_items(
        &mut self,
        dataset_urn: &str,
        dataset_label: &str,
        item: ItemsSelection,
    ) -> &mut DatasetSelection {
        let index = match self
            .selections
            .iter()
            .position(|s| s.dataset_urn == dataset_urn)
        {
            Some(i) => i,
            None => {
                self.selections.push(DatasetSelection {
                    id: 0,
                    dataset_urn: dataset_urn.to_owned(),
                    dataset_label: dataset_label.to_owned(),
                    summary: FileTypeSummary::default(),
                    process: None,
                    file_filter: None,
                    items: Vec::new(),
                });
                self.selections.len() - 1
            }
        };
        let selection = &mut self.selections[index];
        if !selection.items.iter().any(|i| i.date == item.date) {
            selection.items.push(item);
            selection.items.sort_by_key(|i| i.date);
        }
        selection
    }

    /// Removes a dataset selection (nothing happens if it is not there).
    pub fn remove_selection(&mut self, selection_id: i64) {
        self.selections.retain(|s| s.id != selection_id);
    }

    /// Removes the item selection of that date; a dataset selection left empty goes too.
    /// Returns the dataset selection when it is still there (its summary must be recomputed).
    pub fn remove_item(
        &mut self,
        selection_id: i64,
        date: DateTime<Utc>,
    ) -> Option<&mut DatasetSelection> {
        let index = self.selections.iter().position(|s| s.id == selection_id)?;
        self.selections[index].items.retain(|i| i.date != date);
        if self.selections[index].items.is_empty() {
            self.selections.remove(index);
            return None;
        }
        Some(&mut self.selections[index])
    }

    /// Attaches (or, with `None`, detaches) a processing.
    pub fn set_processing(
        &mut self,
        selection_id: i64,
        process: Option<ProcessDatasetDescription>,
    ) -> Result<(), BasketError> {
        let selection = self.selection_mut(selection_id)?;
        if process.is_some() && selection.file_filter.is_some() {
            return Err(BasketError::HasFileFilter(selection_id));
        }
        selection.process = process;
        Ok(())
    }

    /// Sets (or, with `None`, removes) the file filter.
    pub fn set_file_filter(
        &mut self,
        selection_id: i64,
        filter: Option<FileSelectionDescription>,
    ) -> Result<(), BasketError> {
        let selection = self.selection_mut(selection_id)?;
        if filter.is_some() && selection.process.is_some() {
            return Err(BasketError::HasProcessing(selection_id));
        }
        selection.file_filter = filter;
        Ok(())
    }

    /// Sorts the dataset selections by label, case-insensitively, as the API lists them.
    pub fn sort(&mut self) {
        self.selections
            .sort_by_key(|s| (s.dataset_label.to_lowercase(), s.dataset_urn.clone()));
    }

    fn selection_mut(&mut self, selection_id: i64) -> Result<&mut DatasetSelection, BasketError> {
        self.selections
            .iter_mut()
            .find(|s| s.id == selection_id)
            .ok_or(BasketError::SelectionNotFound(selection_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn item(second: u32) -> ItemsSelection {
        let date = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, second).single();
        let Some(date) = date else {
            panic!("valid date")
        };
        ItemsSelection {
            date,
            request: BasketSelectionRequest {
                engine_type: "legacy".into(),
                dataset_urn: None,
                search_parameters: BTreeMap::new(),
                entity_ids_to_include: None,
                entity_ids_to_exclude: None,
                selection_date: Some(date),
            },
            summary: FileTypeSummary::default(),
        }
    }

    #[test]
    fn same_date_is_added_once_and_items_stay_sorted() {
        let mut b = Basket::new("u@x");
        b.add_items("DS1", "ds1", item(2));
        b.add_items("DS1", "ds1", item(1));
        b.add_items("DS1", "ds1", item(2));
        assert_eq!(b.selections.len(), 1);
        let secs: Vec<_> = b.selections[0].items.iter().map(|i| i.date).collect();
        assert_eq!(secs, vec![item(1).date, item(2).date]);
    }

    #[test]
    fn removing_the_last_item_removes_the_dataset_selection() {
        let mut b = Basket::new("u@x");
        b.add_items("DS1", "ds1", item(1)).id = 7;
        assert!(b.remove_item(7, item(1).date).is_none());
        assert!(b.selections.is_empty());
    }

    #[test]
    fn processing_and_file_filter_exclude_each_other() {
        let mut b = Basket::new("u@x");
        b.add_items("DS1", "ds1", item(1)).id = 3;
        let filter = FileSelectionDescription {
            file_types: BTreeSet::from(["RAWDATA".to_owned()]),
            file_name_pattern: None,
        };
        assert_eq!(b.set_file_filter(3, Some(filter)), Ok(()));
        let process = ProcessDatasetDescription {
            process_business_id: "p".into(),
            parameters: BTreeMap::new(),
        };
        assert_eq!(
            b.set_processing(3, Some(process)),
            Err(BasketError::HasFileFilter(3))
        );
        assert_eq!(
            b.set_processing(9, None),
            Err(BasketError::SelectionNotFound(9))
        );
    }

    #[test]
    fn sorts_selections_by_label_ignoring_case() {
        let mut b = Basket::new("u@x");
        b.add_items("B", "beta", item(1));
        b.add_items("A", "Alpha", item(1));
        b.add_items("C", "alpine", item(1));
        b.sort();
        let labels: Vec<_> = b
            .selections
            .iter()
            .map(|s| s.dataset_label.as_str())
            .collect();
        assert_eq!(labels, vec!["Alpha", "alpine", "beta"]);
    }
}
