//! Per-type file counters of a selection, in the shape REGARDS stores them.

use crate::domain::data_type::{DataType, ORDERABLE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts and sizes of files, keyed `<TYPE>`, `<TYPE>_ref` (external files) and `<TYPE>_!ref`
/// (files managed by a storage) — the original's `file_types_count` / `file_types_sizes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTypeSummary {
    pub objects_count: i64,
    pub counts: BTreeMap<String, i64>,
    pub sizes: BTreeMap<String, i64>,
}

impl FileTypeSummary {
    /// Counts one file of `data_type`; `reference` marks an external file.
    pub fn add_file(&mut self, data_type: DataType, reference: bool, size: Option<i64>) {
        let base = data_type.as_str();
        let variant = if reference {
            format!("{base}_ref")
        } else {
            format!("{base}_!ref")
        };
        let size = size.unwrap_or(0);
        for key in [base.to_owned(), variant] {
            *self.counts.entry(key.clone()).or_insert(0) += 1;
            *self.sizes.entry(key).or_insert(0) += size;
        }
    }

    /// Adds every counter of `other` to this one.
    pub fn merge(&mut self, other: &FileTypeSummary) {
        self.objects_count += other.objects_count;
        for (k, v) in &other.counts {
            *self.counts.entry(k.clone()).or_insert(0) += v;
        }
        for (k, v) in &other.sizes {
            *self.sizes.entry(k.clone()).or_insert(0) += v;
        }
    }

    /// Number of orderable files (RAWDATA and the three quicklooks).
    pub fn files_count(&self) -> i64 {
        ORDERABLE
            .iter()
            .map(|t| self.counts.get(t.as_str()).copied().unwrap_or(0))
            .sum()
    }

    /// Total size in bytes of the orderable files.
    pub fn files_size(&self) -> i64 {
        ORDERABLE
            .iter()
            .map(|t| self.sizes.get(t.as_str()).copied().unwrap_or(0))
            .sum()
    }

    /// Number of raw files managed by a storage: what counts against a user's download quota.
    pub fn quota(&self) -> i64 {
        self.counts.get("RAWDATA_!ref").copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_orderable_files_and_internal_raw_quota() {
        let mut s = FileTypeSummary::default();
        s.add_file(DataType::Rawdata, false, Some(10));
        s.add_file(DataType::Rawdata, true, Some(5));
        s.add_file(DataType::QuicklookSd, false, Some(1));
        s.add_file(DataType::Thumbnail, false, Some(100));
        assert_eq!(s.files_count(), 3);
        assert_eq!(s.files_size(), 16);
        assert_eq!(s.quota(), 1);
        assert_eq!(s.counts.get("RAWDATA_ref"), Some(&1));
    }

    #[test]
    fn merge_adds_every_counter() {
        let mut a = FileTypeSummary {
            objects_count: 1,
            ..FileTypeSummary::default()
        };
        a.add_file(DataType::Rawdata, false, Some(10));
        let mut b = a.clone();
        b.merge(&a);
        assert_eq!(b.objects_count, 2);
        assert_eq!(b.files_size(), 20);
        assert_eq!(b.quota(), 2);
    }
}
