//! Data types of catalogue files, as REGARDS names them.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The kind of a catalogue file. Only RAWDATA and the three quicklooks can be ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DataType {
    Rawdata,
    QuicklookSd,
    QuicklookMd,
    QuicklookHd,
    Thumbnail,
    Document,
    Description,
    Aip,
    Other,
}

/// The orderable types, in the order the basket counters list them.
pub const ORDERABLE: [DataType; 4] = [
    DataType::Rawdata,
    DataType::QuicklookSd,
    DataType::QuicklookMd,
    DataType::QuicklookHd,
];

impl DataType {
    /// The name used in JSON, in the database and in the basket's per-type maps.
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Rawdata => "RAWDATA",
            DataType::QuicklookSd => "QUICKLOOK_SD",
            DataType::QuicklookMd => "QUICKLOOK_MD",
            DataType::QuicklookHd => "QUICKLOOK_HD",
            DataType::Thumbnail => "THUMBNAIL",
            DataType::Document => "DOCUMENT",
            DataType::Description => "DESCRIPTION",
            DataType::Aip => "AIP",
            DataType::Other => "OTHER",
        }
    }

    /// True for the types an order may contain.
    pub fn is_orderable(self) -> bool {
        ORDERABLE.contains(&self)
    }

    /// True for the three quicklook sizes (the file filter's `QUICKLOOK` matches any of them).
    pub fn is_quicklook(self) -> bool {
        matches!(
            self,
            DataType::QuicklookSd | DataType::QuicklookMd | DataType::QuicklookHd
        )
    }

    /// The type of a STAC asset from its `roles`: `data` → RAWDATA, `overview` → QUICKLOOK_SD,
    /// `visual` → QUICKLOOK_HD, `thumbnail` → THUMBNAIL, `metadata` → DESCRIPTION. An asset
    /// without roles is taken as data; one with only unknown roles is OTHER.
    pub fn from_stac_roles<'a>(roles: impl IntoIterator<Item = &'a str>) -> Self {
        let mut seen_any = false;
        let mut best: Option<DataType> = None;
        for role in roles {
            seen_any = true;
            let t = match role.to_ascii_lowercase().as_str() {
                "data" => DataType::Rawdata,
                "overview" => DataType::QuicklookSd,
                "visual" => DataType::QuicklookHd,
                "thumbnail" => DataType::Thumbnail,
                "metadata" => DataType::Description,
                _ => continue,
            };
            // An asset that is both data and something else is ordered as data.
            best = Some(best.map_or(t, |b| b.min(t)));
        }
        match (best, seen_any) {
            (Some(t), _) => t,
            (None, false) => DataType::Rawdata,
            (None, true) => DataType::Other,
        }
    }
}

impl FromStr for DataType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let all = [
            DataType::Rawdata,
            DataType::QuicklookSd,
            DataType::QuicklookMd,
            DataType::QuicklookHd,
            DataType::Thumbnail,
            DataType::Document,
            DataType::Description,
            DataType::Aip,
            DataType::Other,
        ];
        all.into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown data type '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stac_roles_map_to_regards_types() {
        assert_eq!(DataType::from_stac_roles(["data"]), DataType::Rawdata);
        assert_eq!(
            DataType::from_stac_roles(["overview"]),
            DataType::QuicklookSd
        );
        assert_eq!(DataType::from_stac_roles(["visual"]), DataType::QuicklookHd);
        assert_eq!(
            DataType::from_stac_roles(["thumbnail"]),
            DataType::Thumbnail
        );
        assert_eq!(
            DataType::from_stac_roles(["visual", "data"]),
            DataType::Rawdata
        );
        assert_eq!(
            DataType::from_stac_roles(Vec::<&str>::new()),
            DataType::Rawdata
        );
        assert_eq!(DataType::from_stac_roles(["foo"]), DataType::Other);
    }

    #[test]
    fn only_rawdata_and_quicklooks_are_orderable() {
        assert!(DataType::Rawdata.is_orderable());
        assert!(DataType::QuicklookMd.is_orderable());
        assert!(!DataType::Thumbnail.is_orderable());
        assert_eq!("quicklook_hd".parse(), Ok(DataType::QuicklookHd));
        assert!("nope".parse::<DataType>().is_err());
    }
}
