//! `regards-order demo`: seeds a tenant `demo` with generated datasets and files (two online,
//! one on a nearline storage with a restore delay), then serves and prints ready-to-paste
//! commands with valid tokens.

use crate::auth::{Role, TokenCodec};
use crate::catalog::import::import_path;
use crate::config::{Settings, StorageSettings};
use crate::db;
use crate::storage::Storages;
use anyhow::Context;
use regards_order_actors::domain::Tenant;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The demo tenant.
pub const TENANT: &str = "demo";
/// Products per dataset.
const PRODUCTS: usize = 60;
/// (dataset id, title, platform, nearline).
const DATASETS: [(&str, &str, &str, bool); 3] = [
    (
        "URN:AIP:DATASET:demo:optical:V1",
        "Optical images",
        "SPOT-6",
        false,
    ),
    (
        "URN:AIP:DATASET:demo:radar:V1",
        "Radar images",
        "SENTINEL-1A",
        false,
    ),
    (
        "URN:AIP:DATASET:demo:archive:V1",
        "Tape archive",
        "ENVISAT",
        true,
    ),
];

/// Adds the demo storages to those in effect. The demo's files go under
/// `<data_dir>/files/demo`, inside the default storage's root; the demo storages own their
/// folders there since their roots are the longest, the nearline one restoring in 3 s.
pub fn with_demo_storages(settings: &mut Settings) -> anyhow::Result<PathBuf> {
    let files = settings.data_dir.join("files");
    std::fs::create_dir_all(&files)
        .with_context(|| format!("cannot create {}", files.display()))?;
    let root = std::fs::canonicalize(&files)?.join("demo");
    let storage = |name: &str, dir: &str, nearline: bool| StorageSettings {
        restore_delay_ms: if nearline { 3000 } else { 0 },
        nearline,
        drives: 2,
        ..StorageSettings::online(name, &root.join(dir))
    };
    let mut storages = settings.effective_storages();
    storages.insert(0, storage("demo-online", "online", false));
    storages.insert(1, storage("demo-tape", "tape", true));
    settings.storages = storages;
    Ok(root)
}

/// Writes the demo files and their STAC catalogue under `root`, and imports it.
pub async fn seed(settings: &Settings, root: &Path) -> anyhow::Result<()> {
    let catalog = root.join("catalog");
    std::fs::create_dir_all(&catalog)?;
    for (index, (id, title, platform, nearline)) in DATASETS.iter().enumerate() {
        let folder = root.join(if *nearline { "tape" } else { "online" });
        std::fs::create_dir_all(&folder)?;
        let items: Vec<Value> = (0..PRODUCTS)
            .map(|i| product(&folder, index, i, id, platform))
            .collect::<anyhow::Result<_>>()?;
        let collection = json!({"type": "Collection", "stac_version": "1.0.0", "id": id,
            "title": title, "description": title, "license": "proprietary",
            "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                       "temporal": {"interval": [["2020-01-01T00:00:00Z", null]]}}, "links": []});
        std::fs::write(
            catalog.join(format!("{index}-collection.json")),
            collection.to_string(),
        )?;
        let features = json!({"type": "FeatureCollection", "features": items});
        std::fs::write(
            catalog.join(format!("{index}-items.json")),
            features.to_string(),
        )?;
    }
    let store = db::connect(&settings.effective_database_url()).await?;
    let tenant = Tenant::parse(TENANT)?;
    let storages = Arc::new(Storages::for_service(settings)?);
    let report = import_path(store.as_ref(), &tenant, &catalog, storages.owns_location()).await?;
    tracing::info!(
        objects = report.objects,
        files = report.files,
        "demo catalogue imported"
    );
    Ok(())
}

/// One product: a raw file of a few KiB and a quicklook, and its STAC item.
fn product(
    folder: &Path,
    dataset: usize,
    i: usize,
    collection: &str,
    platform: &str,
) -> anyhow::Result<Value> {
    let name = format!("d{dataset}-p{i:03}");
    let raw: Vec<u8> = (0..4096 + i * 37)
        .map(|b| ((b * 31 + i + dataset) % 256) as u8)
        .collect();
    let quicklook = format!("quicklook of {name}\n");
    let raw_path = folder.join(format!("{name}.dat"));
    let ql_path = folder.join(format!("{name}-ql.txt"));
    std::fs::write(&raw_path, &raw)?;
    std::fs::write(&ql_path, &quicklook)?;
    let day = 1 + i % 28;
    Ok(
        json!({"type": "Feature", "stac_version": "1.0.0", "collection": collection,
        "id": format!("URN:AIP:DATA:demo:{name}:V1"), "geometry": null, "links": [],
        "properties": {"providerId": name, "platform": platform, "eo:cloud_cover": (i * 7) % 100,
                       "datetime": format!("2024-03-{day:02}T10:00:00Z")},
        "assets": {
            "data": {"href": format!("file://{}", raw_path.display()), "roles": ["data"],
                     "type": "application/octet-stream", "file:size": raw.len()},
            "quicklook": {"href": format!("file://{}", ql_path.display()), "roles": ["overview"],
                          "type": "text/plain", "file:size": quicklook.len()}}}),
    )
}

/// The commands a newcomer pastes, with tokens valid for a day.
pub fn instructions(settings: &Settings, address: &str) -> anyhow::Result<String> {
    let codec = TokenCodec::new(&settings.auth.jwt_secret);
    let day = chrono::Duration::hours(24);
    let user = codec.issue(TENANT, "user@demo.regards", Role::RegisteredUser, day)?;
    let admin = codec.issue(TENANT, "admin@demo.regards", Role::Admin, day)?;
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    Ok(format!(
        r#"
regards-order demo is running on {base} (tenant "demo": 3 datasets, {products} products,
the "Tape archive" dataset on a nearline storage restoring each file in 3 s).

Open the web interface, signed in (the token is in the link's fragment, never sent to the server):
  as the user:     {base}/ui/#token={user}
  as the operator: {base}/ui/#token={admin}

export USER_TOKEN={user}
export ADMIN_TOKEN={admin}

# 1. Select the optical dataset and the SENTINEL-1A products with little cloud
curl -s -X POST {base}/order/basket/selection -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' \
  -d '{{"engineType":"legacy","datasetUrn":"URN:AIP:DATASET:demo:optical:V1"}}'
curl -s -X POST {base}/order/basket/selection -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' \
  -d '{{"engineType":"legacy","searchParameters":{{"q":["platform:SENTINEL-1A AND eo\\:cloud_cover:[0 TO 20]"]}}}}'
# 2. Order the basket, then watch it (status, percentCompleted, availableFilesCount)
curl -s -X POST {base}/user/orders -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' -d '{{"label":"demo"}}'
curl -s {base}/user/orders -H "Authorization: Bearer $USER_TOKEN"
# 3. Download it as one zip (replace 1 by the order id)
curl -s -o order.zip {base}/user/orders/1/download -H "Authorization: Bearer $USER_TOKEN" && unzip -l order.zip
# 4. Or get its metalink and let aria2c fetch every file, checking their checksums
curl -s -o order.metalink {base}/user/orders/1/metalink/download -H "Authorization: Bearer $USER_TOKEN"
aria2c --metalink-file order.metalink --dir downloads --check-integrity=true
# 5. A nearline order: files answer 202 Accepted while they are restored
curl -s -X POST {base}/order/basket/selection -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' \
  -d '{{"engineType":"legacy","datasetUrn":"URN:AIP:DATASET:demo:archive:V1"}}'
curl -s -X POST {base}/user/orders -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' -d '{{"label":"tape"}}'
# 6. Operators
curl -s {base}/admin/actors -H "Authorization: Bearer $ADMIN_TOKEN"
curl -s -X POST {base}/orders/csv -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Accept: text/csv' -H 'Content-Type: application/json' -d '{{}}'
"#,
        products = PRODUCTS * DATASETS.len(),
    ))
}
