//! STAC documents for the tests: two datasets with known files, sizes and properties.

use serde_json::{Value, json};

/// Dataset URNs of the standard catalogue.
pub const DS1: &str = "URN:AIP:DATASET:project1:ds1:V1";
pub const DS2: &str = "URN:AIP:DATASET:project1:ds2:V1";

/// A STAC Collection.
pub fn collection(id: &str, title: &str) -> Value {
    json!({
        "type": "Collection", "stac_version": "1.0.0", "id": id, "title": title,
        "description": "test", "license": "proprietary",
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[null, null]]}},
        "links": []
    })
}

/// A STAC Item of `dataset` with one RAWDATA file of `size` bytes and one quicklook of 10
/// bytes, plus a thumbnail (not orderable).
pub fn item(id: &str, dataset: &str, size: i64, properties: Value) -> Value {
    json!({
        "type": "Feature", "stac_version": "1.0.0", "id": id, "collection": dataset,
        "geometry": null, "properties": properties, "links": [],
        "assets": {
            "data": {"href": format!("file:///data/{id}.nc"), "type": "application/x-netcdf",
                     "roles": ["data"], "file:size": size,
                     "file:checksum": format!("d50110{}", md5_like(id))},
            "quicklook": {"href": format!("file:///data/{id}.png"), "type": "image/png",
                          "roles": ["overview"], "file:size": 10},
            "thumbnail": {"href": format!("file:///data/{id}_t.png"), "type": "image/png",
                          "roles": ["thumbnail"], "file:size": 1}
        }
    })
}

/// A 32-hex-digit string derived from `seed` (not a real MD5: the catalogue does not check).
fn md5_like(seed: &str) -> String {
    let mut h: u128 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h = h
            .wrapping_mul(0x1000_0000_0000_0000_0000_0000_013b)
            .wrapping_add(u128::from(b));
    }
    format!("{h:032x}")
}

/// An ItemCollection.
pub fn item_collection(items: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": items})
}

/// The standard catalogue: DS1 "Alpha" with 4 items (sizes 100, 200, 300, 400; platform
/// SPOT-5 for the first two, SPOT-6 for the others; cloud 0, 10, 20, 30), DS2 "beta" with 2
/// items (size 1000 each) one of which is an external http file.
pub async fn standard_catalogue(app: &crate::helpers::TestApp) {
    app.import(&collection(DS1, "Alpha")).await;
    app.import(&collection(DS2, "beta")).await;
    let mut items = Vec::new();
    for (i, size) in [100, 200, 300, 400].into_iter().enumerate() {
        let platform = if i < 2 { "SPOT-5" } else { "SPOT-6" };
        let props = json!({
            "providerId": format!("P{i}"), "platform": platform, "cloud": i * 10,
            "datetime": format!("2020-0{}-01T00:00:00Z", i + 1), "keywords": ["a", format!("k{i}")]
        });
        items.push(item(
            &format!("URN:AIP:DATA:project1:o{i}:V1"),
            DS1,
            size,
            props,
        ));
    }
    for i in 0..2 {
        let props = json!({"providerId": format!("Q{i}"), "platform": "SENTINEL-2"});
        let mut it = item(&format!("URN:AIP:DATA:project1:q{i}:V1"), DS2, 1000, props);
        if i == 1 {
            it["assets"]["data"]["href"] = json!("https://example.org/files/q1.nc");
        }
        items.push(it);
    }
    app.import(&item_collection(items)).await;
}

/// A `legacy` selection request.
pub fn selection(dataset: Option<&str>, q: Option<&str>) -> Value {
    let mut s = json!({"engineType": "legacy"});
    if let Some(d) = dataset {
        s["datasetUrn"] = json!(d);
    }
    if let Some(q) = q {
        s["searchParameters"] = json!({"q": [q]});
    }
    s
}
