//! Catalogue entities: datasets, data objects and their files.

use crate::domain::data_type::DataType;
use crate::domain::summary::FileTypeSummary;
use serde::{Deserialize, Serialize};

/// A dataset (a STAC Collection): the unit a basket groups its selections by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    /// The dataset's URN (the collection id).
    pub urn: String,
    pub label: String,
}

/// A file checksum with the name of its algorithm (`MD5`, `SHA-256`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checksum {
    pub algorithm: String,
    /// Lower-case hexadecimal digest.
    pub value: String,
}

/// One file of a data object (a STAC asset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogFile {
    pub filename: String,
    /// Absolute location: a `file://` URL or an http(s) URL.
    pub url: String,
    pub mime_type: Option<String>,
    pub size: Option<i64>,
    pub checksum: Option<Checksum>,
    pub data_type: DataType,
    /// True for external files (http references not managed by a storage).
    pub reference: bool,
}

/// A data object (a STAC Item) with its queryable properties and files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogObject {
    /// The object's URN (the item id).
    pub urn: String,
    pub dataset_urn: String,
    pub provider_id: String,
    pub label: Option<String>,
    /// The item's `properties` object, queried by the basket's `q`.
    pub properties: serde_json::Value,
    pub files: Vec<CatalogFile>,
}

impl CatalogObject {
    /// Per-type counters of this object's files (objects_count = 1).
    pub fn summary(&self) -> FileTypeSummary {
        let mut s = FileTypeSummary {
            objects_count: 1,
            ..FileTypeSummary::default()
        };
        for f in &self.files {
            s.add_file(f.data_type, f.reference, f.size);
        }
        s
    }
}
