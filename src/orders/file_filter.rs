//! Which files of a selected object an order keeps: orderable types, the selection's file
//! filter (types and a regular expression on the whole name), and no internal file without
//! a size (the original cannot order them).

use regards_order_actors::domain::{CatalogFile, DataType, FileSelectionDescription};
use regex::Regex;

/// A compiled file filter.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    raw: bool,
    quicklook: bool,
    any_type: bool,
    name: Option<Regex>,
}

impl FileFilter {
    /// The filter of a dataset selection (None: every orderable file).
    pub fn new(description: Option<&FileSelectionDescription>) -> Result<Self, String> {
        let Some(d) = description else {
            return Ok(Self {
                any_type: true,
                ..Self::default()
            });
        };
        let name = match &d.file_name_pattern {
            Some(p) => Some(
                Regex::new(&format!("^(?:{p})$"))
                    .map_err(|e| format!("invalid file name pattern: {e}"))?,
            ),
            None => None,
        };
        Ok(Self {
            raw: d.file_types.contains("RAWDATA"),
            quicklook: d.file_types.contains("QUICKLOOK"),
            any_type: d.file_types.is_empty(),
            name,
        })
    }

    /// True when the order keeps this file.
    pub fn keeps(&self, file: &CatalogFile) -> bool {
        if !file.data_type.is_orderable() || (!file.reference && file.size.is_none()) {
            return false;
        }
        let type_ok = self.any_type
            || (self.raw && file.data_type == DataType::Rawdata)
            || (self.quicklook && file.data_type.is_quicklook());
        type_ok
            && self
                .name
                .as_ref()
                .is_none_or(|r| r.is_match(&file.filename))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn file(name: &str, data_type: DataType, size: Option<i64>) -> CatalogFile {
        CatalogFile {
            filename: name.into(),
            url: format!("file:///d/{name}"),
            mime_type: None,
            size,
            checksum: None,
            data_type,
            reference: false,
        }
    }

    #[test]
    fn keeps_orderable_sized_files_matching_types_and_whole_name() {
        let all = FileFilter::new(None).unwrap_or_default();
        assert!(all.keeps(&file("a.nc", DataType::Rawdata, Some(1))));
        assert!(!all.keeps(&file("t.png", DataType::Thumbnail, Some(1))));
        assert!(!all.keeps(&file("a.nc", DataType::Rawdata, None)));
        let ql = FileSelectionDescription {
            file_types: BTreeSet::from(["QUICKLOOK".to_owned()]),
            file_name_pattern: Some(".*\\.png".into()),
        };
        let ql = FileFilter::new(Some(&ql)).unwrap_or_default();
        assert!(ql.keeps(&file("q.png", DataType::QuicklookHd, Some(1))));
        assert!(!ql.keeps(&file("q.png.nc", DataType::QuicklookHd, Some(1))));
        assert!(!ql.keeps(&file("a.png", DataType::Rawdata, Some(1))));
        let bad = FileSelectionDescription {
            file_types: BTreeSet::new(),
            file_name_pattern: Some("(".into()),
        };
        assert!(FileFilter::new(Some(&bad)).is_err());
    }
}
