//! STAC → catalogue domain: Collections become datasets, Items data objects, assets files.

use super::stac::{Asset, Item, Node};
use super::unowned::Unowned;
use super::{ImportError, href, multihash};
use regards_order_actors::domain::{CatalogFile, CatalogObject, Checksum, DataType, Dataset};
use serde_json::{Map, Value};
use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;

/// Where a document comes from and how its items are completed.
#[derive(Debug, Clone)]
pub(super) struct Ctx {
    /// Names the document in error messages: its path, or `request body`.
    pub source: String,
    /// Absolute URL that relative hrefs resolve against.
    pub base: Option<String>,
    /// Dataset of the items that have no `collection` field (the Collection they were
    /// reached from).
    pub inherit: Option<String>,
    /// Records the hrefs no storage owns.
    pub unowned: Arc<Unowned>,
}

impl Ctx {
    /// An `Invalid` error prefixed with the document's name.
    pub fn invalid(&self, message: impl Display) -> ImportError {
        ImportError::Invalid(format!("{}: {message}", self.source))
    }
}

/// The dataset of a STAC Collection: its id, labelled by its title.
pub(super) fn dataset(node: Node, ctx: &Ctx) -> Result<Dataset, ImportError> {
    let urn = node
        .id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ctx.invalid("the Collection has no id"))?;
    let label = node.title.unwrap_or_else(|| urn.clone());
    Ok(Dataset { urn, label })
}

/// The data object of a STAC Item; `position` numbers the features of an ItemCollection so
/// that one without an id can still be found.
pub(super) fn object(
    item: Item,
    ctx: &Ctx,
    position: Option<usize>,
) -> Result<CatalogObject, ImportError> {
    let id = match (item.id.filter(|id| !id.is_empty()), position) {
        (Some(id), _) => id,
        (None, Some(n)) => return Err(ctx.invalid(format!("feature #{n} has no id"))),
        (None, None) => return Err(ctx.invalid("the item has no id")),
    };
    if let Some(kind) = item.kind.filter(|k| k != "Feature") {
        return Err(ctx.invalid(format!("item '{id}' has type '{kind}', not 'Feature'")));
    }
    let dataset_urn = item
        .collection
        .filter(|c| !c.is_empty())
        .or_else(|| ctx.inherit.clone())
        .ok_or_else(|| ctx.invalid(format!("item '{id}' has no collection")))?;
    let properties = match item.properties {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(p @ Value::Object(_)) => p,
        Some(_) => return Err(ctx.invalid(format!("item '{id}': properties is not an object"))),
    };
    let provider_id = text_property(&properties, "providerId", &id, ctx)?;
    let label = text_property(&properties, "title", &id, ctx)?;
    let files = item
        .assets
        .into_iter()
        .map(|(key, asset)| file(&id, &key, asset, ctx))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CatalogObject {
        provider_id: provider_id.unwrap_or_else(|| id.clone()),
        urn: id,
        dataset_urn,
        label,
        properties,
        files,
    })
}

/// A string-valued property; any other JSON type is refused rather than silently dropped.
fn text_property(
    properties: &Value,
    name: &str,
    id: &str,
    ctx: &Ctx,
) -> Result<Option<String>, ImportError> {
    match properties.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ctx.invalid(format!(
            "item '{id}': property {name} is {other}, not a string"
        ))),
    }
}

/// The catalogue file of one asset.
fn file(id: &str, key: &str, asset: Asset, ctx: &Ctx) -> Result<CatalogFile, ImportError> {
    let fail = |what: String| ctx.invalid(format!("item '{id}', asset '{key}': {what}"));
    let href = asset
        .href
        .ok_or_else(|| fail("it has no href".to_owned()))?;
    let url = href::resolve(&href, ctx.base.as_deref()).map_err(fail)?;
    let filename =
        href::file_name(&url).ok_or_else(|| fail(format!("href '{href}' has no file name")))?;
    let size = asset.size.map(size).transpose().map_err(fail)?;
    let checksum = asset.checksum.map(checksum).transpose().map_err(fail)?;
    let data_type = data_type(asset.data_type, asset.roles).map_err(fail)?;
    ctx.unowned.check(id, key, &url);
    Ok(CatalogFile {
        filename,
        reference: href::is_http(&url),
        url,
        mime_type: asset.media_type,
        size,
        checksum,
        data_type,
    })
}

fn size(value: Value) -> Result<i64, String> {
    value
        .as_u64()
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| format!("file:size {value} is not a non-negative integer"))
}

fn checksum(value: Value) -> Result<Checksum, String> {
    match value.as_str() {
        Some(hex) => multihash::parse(hex).map_err(|e| format!("file:checksum '{hex}': {e}")),
        None => Err(format!("file:checksum {value} is not a string")),
    }
}

/// `regards:dataType` wins over the STAC roles, so that a provider can say exactly what a
/// file is.
fn data_type(explicit: Option<Value>, roles: Option<Vec<String>>) -> Result<DataType, String> {
    match explicit {
        None | Some(Value::Null) => {
            let roles = roles.unwrap_or_default();
            Ok(DataType::from_stac_roles(roles.iter().map(String::as_str)))
        }
        Some(Value::String(s)) => {
            DataType::from_str(&s).map_err(|e| format!("regards:dataType: {e}"))
        }
        Some(other) => Err(format!("regards:dataType {other} is not a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(inherit: Option<&str>) -> Ctx {
        Ctx {
            source: "doc.json".into(),
            base: Some("file:///d/".into()),
            inherit: inherit.map(String::from),
            unowned: Unowned::new(Arc::new(|_: &str| true)),
        }
    }

    fn convert(item: Value, inherit: Option<&str>) -> Result<CatalogObject, ImportError> {
        object(serde_json::from_value(item).unwrap(), &ctx(inherit), None)
    }

    #[test]
    fn provider_id_and_label_come_from_properties() {
        let item = json!({"type": "Feature", "id": "u", "collection": "c",
            "properties": {"providerId": "p", "title": "T"}});
        let o = convert(item, Some("other")).unwrap();
        assert_eq!(
            (o.provider_id.as_str(), o.label.as_deref()),
            ("p", Some("T"))
        );
        assert_eq!(o.dataset_urn, "c");
        let o = convert(json!({"id": "u", "properties": null}), Some("c")).unwrap();
        assert_eq!((o.provider_id.as_str(), o.label), ("u", None));
        assert_eq!((o.dataset_urn.as_str(), o.properties), ("c", json!({})));
    }

    #[test]
    fn invalid_items_are_named() {
        let err = |item: Value| convert(item, None).unwrap_err().to_string();
        assert_eq!(
            err(json!({"id": "u"})),
            "doc.json: item 'u' has no collection"
        );
        // An empty collection names no dataset.
        assert_eq!(
            err(json!({"id": "u", "collection": ""})),
            "doc.json: item 'u' has no collection"
        );
        assert!(err(json!({"collection": "c"})).contains("has no id"));
        assert!(err(json!({"id": "u", "type": "Collection"})).contains("not 'Feature'"));
        let item = json!({"id": "u", "collection": "c", "properties": {"title": 3}});
        assert!(err(item).contains("title is 3"));
    }

    #[test]
    fn invalid_assets_are_named() {
        let err = |asset: Value| {
            let item = json!({"id": "u", "collection": "c", "assets": {"a": asset}});
            convert(item, None).unwrap_err().to_string()
        };
        assert!(err(json!({"href": "x", "file:size": -1})).contains("item 'u', asset 'a'"));
        assert!(err(json!({"href": "x", "file:size": 1.5})).contains("file:size 1.5"));
        assert!(err(json!({"href": "x", "regards:dataType": "RAW"})).contains("'RAW'"));
        assert!(err(json!({"href": "x", "file:checksum": 5})).contains("not a string"));
        assert!(err(json!({"roles": ["data"]})).contains("no href"));
        assert!(err(json!({"href": "http://h/"})).contains("no file name"));
        assert!(err(json!({"href": "s3://b/x"})).contains("unsupported URL scheme"));
    }

    #[test]
    fn collections_are_labelled_by_title_or_id() {
        let node = |v: Value| serde_json::from_value::<Node>(v).unwrap();
        let d = dataset(node(json!({"id": "c", "title": "Sentinel"})), &ctx(None)).unwrap();
        assert_eq!((d.urn.as_str(), d.label.as_str()), ("c", "Sentinel"));
        assert_eq!(
            dataset(node(json!({"id": "c"})), &ctx(None)).unwrap().label,
            "c"
        );
        assert!(dataset(node(json!({"id": ""})), &ctx(None)).is_err());
    }
}
