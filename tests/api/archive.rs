//! An archive on disk for order tests: an online and a nearline (tape) storage with real
//! files, and the STAC catalogue describing them.

use crate::fixtures::{collection, item_collection};
use crate::helpers::TestApp;
use regards_order::config::{Settings, StorageKind, StorageSettings};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Dataset of the archive.
pub const ARCHIVE_DS: &str = "URN:AIP:DATASET:project1:archive:V1";

/// Storage folders under the test's directory.
pub fn online_root(dir: &Path) -> PathBuf {
    dir.join("online")
}

/// The nearline folder.
pub fn tape_root(dir: &Path) -> PathBuf {
    dir.join("tape")
}

/// Configures an online storage and a nearline one (`delay_ms` per restore, `drives`).
pub fn with_storages(settings: &mut Settings, dir: &Path, delay_ms: u64, drives: u32) {
    for root in [online_root(dir), tape_root(dir)] {
        std::fs::create_dir_all(&root).expect("storage folder");
    }
    let storage = |name: &str, root: PathBuf, nearline: bool| StorageSettings {
        name: name.into(),
        kind: StorageKind::Local,
        root: root.to_string_lossy().into_owned(),
        nearline,
        restore_delay_ms: if nearline { delay_ms } else { 0 },
        drives,
        timeout_ms: 10_000,
    };
    settings.storages = vec![
        storage("disk", online_root(dir), false),
        storage("tape", tape_root(dir), true),
    ];
}

/// Writes `count` files of `size` bytes in `root` (named `<prefix>-<i>.dat`) and imports one
/// item per file in the archive dataset (provider id = file stem). Answers the file paths.
pub async fn add_products(
    app: &TestApp,
    root: &Path,
    prefix: &str,
    count: usize,
    size: usize,
) -> Vec<PathBuf> {
    app.import(&collection(ARCHIVE_DS, "Archive")).await;
    let mut items: Vec<Value> = Vec::new();
    let mut paths = Vec::new();
    for i in 0..count {
        let name = format!("{prefix}-{i}.dat");
        let path = root.join(&name);
        let content: Vec<u8> = (0..size).map(|b| ((b + i) % 251) as u8).collect();
        std::fs::write(&path, &content).expect("write product");
        items.push(json!({
            "type": "Feature", "stac_version": "1.0.0",
            "id": format!("URN:AIP:DATA:project1:{prefix}-{i}:V1"), "collection": ARCHIVE_DS,
            "geometry": null, "properties": {"providerId": format!("{prefix}-{i}"), "group": prefix},
            "links": [],
            "assets": {"data": {"href": format!("file://{}", path.display()), "roles": ["data"],
                                "type": "application/octet-stream", "file:size": size}}
        }));
        paths.push(path);
    }
    app.import(&item_collection(items)).await;
    paths
}
