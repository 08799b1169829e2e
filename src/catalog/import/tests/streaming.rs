//! ItemCollections: streaming, batching, re-import and failures.

use super::*;
use regards_order_actors::ports::CatalogStore;

#[tokio::test]
async fn a_large_item_collection_is_stored_in_batches() {
    let (_guard, dir) = temp_dir();
    let path = dir.join("items.json");
    write_item_collection(&path, 20_000);
    let store = MemoryStore::default();
    let got = import_path(&store, &tenant(), &path).await.unwrap();
    assert_eq!(got, report(0, 20_000, 40_000));
    let counts = store.counts(&tenant()).await.unwrap();
    assert_eq!(
        (counts.datasets, counts.objects, counts.files),
        (1, 20_000, 40_000)
    );
    assert_eq!(store.largest_batch(), super::super::stream::BATCH_SIZE);
    let last = store.object(&tenant(), "item-19999").unwrap();
    assert_eq!(
        last.files[0].url,
        format!("file://{}/item-19999.tif", dir.display())
    );
}

#[tokio::test]
async fn the_type_may_follow_the_features() {
    let store = MemoryStore::default();
    let doc = json!({"features": [item("a", Some("c")), item("b", Some("c"))],
        "type": "FeatureCollection"});
    assert_eq!(
        bytes(&store, &doc, Some("http://h/")).await.unwrap(),
        report(0, 2, 2)
    );
    let doc = json!({"features": [], "type": "Catalog"});
    let err = bytes(&store, &doc, None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("type 'Catalog' cannot have a features array"),
        "{err}"
    );
    let doc = json!({"type": "Feature", "features": [item("x", Some("c"))]});
    assert!(bytes(&store, &doc, None).await.is_err());
    assert!(store.object(&tenant(), "x").is_none());
}

#[tokio::test]
async fn reimporting_stores_the_same_rows() {
    let (_guard, dir) = temp_dir();
    let path = dir.join("items.json");
    write_item_collection(&path, 1_200);
    let collection = write(
        &dir,
        "c/collection.json",
        &json!({"type": "Collection", "id": "big"}),
    );
    let store = MemoryStore::default();
    for _ in 0..2 {
        assert_eq!(
            import_path(&store, &tenant(), &collection).await.unwrap(),
            report(1, 0, 0)
        );
        assert_eq!(
            import_path(&store, &tenant(), &path).await.unwrap(),
            report(0, 1_200, 2_400)
        );
        let counts = store.counts(&tenant()).await.unwrap();
        assert_eq!(
            (counts.datasets, counts.objects, counts.files),
            (1, 1_200, 2_400)
        );
    }
}

#[tokio::test]
async fn a_store_failure_stops_the_parser() {
    let (_guard, dir) = temp_dir();
    let path = dir.join("items.json");
    write_item_collection(&path, 3_000);
    let store = MemoryStore::failing();
    let err = import_path(&store, &tenant(), &path).await.unwrap_err();
    assert!(
        matches!(err, ImportError::Store(_)) && !err.is_client_error(),
        "{err}"
    );
}
