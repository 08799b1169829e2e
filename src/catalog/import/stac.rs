//! The parts of STAC JSON the import reads; everything else is ignored.
//!
//! Fields whose type the import checks itself are kept as raw `Value`s so that a bad value is
//! reported with the item and asset it belongs to rather than as a bare JSON type error.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A STAC Item (a GeoJSON `Feature`).
#[derive(Debug, Deserialize)]
pub(super) struct Item {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<String>,
    pub collection: Option<String>,
    pub properties: Option<Value>,
    #[serde(default)]
    pub assets: BTreeMap<String, Asset>,
}

/// One asset of an Item.
#[derive(Debug, Deserialize)]
pub(super) struct Asset {
    pub href: Option<String>,
    #[serde(rename = "type")]
    pub media_type: Option<String>,
    pub roles: Option<Vec<String>>,
    #[serde(rename = "file:size")]
    pub size: Option<Value>,
    #[serde(rename = "file:checksum")]
    pub checksum: Option<Value>,
    #[serde(rename = "regards:dataType")]
    pub data_type: Option<Value>,
}

/// A STAC Catalog or Collection: the import only needs its identity and its links.
#[derive(Debug, Deserialize)]
pub(super) struct Node {
    pub id: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub links: Vec<Link>,
}

/// A link of a Catalog or Collection.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Link {
    pub rel: Option<String>,
    pub href: Option<String>,
}

impl Link {
    /// True for the links a static catalog is walked through.
    pub fn is_followed(&self) -> bool {
        matches!(self.rel.as_deref(), Some("child" | "item"))
    }
}
