//! End-to-end tests of the import against the in-memory store, and their helpers.

mod documents;
mod folders;
mod parser;
mod streaming;

use super::test_store::MemoryStore;
use super::{ImportError, ImportReport, import_bytes};
use regards_order_actors::domain::Tenant;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MD5: &str = "d501109e107d9d372bb6826bd81d3542a419d6";
const SHA256: &str = "1220d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592";

fn tenant() -> Tenant {
    Tenant::parse("demo").unwrap()
}

fn temp_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().canonicalize().unwrap();
    (dir, path)
}

fn write(dir: &Path, name: &str, doc: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    path
}

fn report(datasets: u64, objects: u64, files: u64) -> ImportReport {
    ImportReport {
        datasets,
        objects,
        files,
        ..ImportReport::default()
    }
}

/// Imports `path` with every href owned by a storage.
async fn import_path(
    store: &MemoryStore,
    tenant: &Tenant,
    path: &Path,
) -> Result<ImportReport, ImportError> {
    super::import_path(store, tenant, path, Arc::new(|_: &str| true)).await
}

fn item(id: &str, collection: Option<&str>) -> Value {
    let mut item = json!({"type": "Feature", "id": id, "properties": {"title": id},
        "assets": {"data": {"href": format!("{id}.tif"), "roles": ["data"]}}});
    if let Some(c) = collection {
        item["collection"] = json!(c);
    }
    item
}

async fn bytes(
    store: &MemoryStore,
    doc: &Value,
    base: Option<&str>,
) -> Result<ImportReport, ImportError> {
    import_bytes(
        store,
        &tenant(),
        serde_json::to_vec(doc).unwrap().into(),
        base,
        Arc::new(|_: &str| true),
    )
    .await
}

/// Writes an ItemCollection item by item, as a large one would be produced.
fn write_item_collection(path: &Path, count: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(b"{\"type\": \"FeatureCollection\", \"features\": [\n")
        .unwrap();
    for i in 0..count {
        let mut doc = item(&format!("item-{i}"), Some("big"));
        doc["assets"]["ql"] =
            json!({"href": format!("https://h.org/{i}.png"), "roles": ["overview"]});
        let sep = if i + 1 < count { ",\n" } else { "\n" };
        serde_json::to_writer(&mut out, &doc).unwrap();
        out.write_all(sep.as_bytes()).unwrap();
    }
    out.write_all(b"], \"links\": []}").unwrap();
    out.flush().unwrap();
}
