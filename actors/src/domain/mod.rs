//! Pure domain types and their rules.

pub mod basket;
pub mod catalog;
pub mod data_type;
pub mod dates;
pub mod events;
pub mod order;
pub mod summary;
pub mod tenant;
pub mod webhook;

pub use basket::{
    Basket, BasketError, BasketSelectionRequest, DatasetSelection, FileSelectionDescription,
    FilterFileType, ItemsSelection, ProcessDatasetDescription,
};
pub use catalog::{CatalogFile, CatalogObject, Checksum, Dataset};
pub use data_type::DataType;
pub use summary::FileTypeSummary;
pub use tenant::{Tenant, TenantError};
