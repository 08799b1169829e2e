//! Static catalogs and folders of STAC files.

use super::*;

#[tokio::test]
async fn a_static_catalog_is_walked_through_its_links() {
    let (_guard, dir) = temp_dir();
    let link = |rel: &str, href: &str| json!({"rel": rel, "href": href});
    write(
        &dir,
        "catalog.json",
        &json!({"type": "Catalog", "id": "root", "links": [
        link("self", "./catalog.json"), link("child", "./s2/collection.json"),
        link("child", "https://elsewhere.org/catalog.json")]}),
    );
    write(
        &dir,
        "s2/collection.json",
        &json!({"type": "Collection", "id": "s2",
        "title": "Sentinel-2", "links": [link("parent", "../catalog.json"),
        link("item", "./items/a.json"), link("item", "items/../items/b.json")]}),
    );
    write(&dir, "s2/items/a.json", &item("a", None));
    write(&dir, "s2/items/b.json", &item("b", Some("other")));
    let store = MemoryStore::default();
    assert_eq!(
        import_path(&store, &tenant(), &dir).await.unwrap(),
        report(1, 2, 2)
    );
    assert_eq!(store.object(&tenant(), "a").unwrap().dataset_urn, "s2");
    assert_eq!(store.object(&tenant(), "b").unwrap().dataset_urn, "other");
    let url = &store.object(&tenant(), "a").unwrap().files[0].url;
    assert_eq!(url, &format!("file://{}/s2/items/a.tif", dir.display()));
    assert_eq!(store.events(), ["dataset:s2", "object:a", "object:b"]);
}

#[tokio::test]
async fn catalogs_linking_each_other_are_read_once() {
    let (_guard, dir) = temp_dir();
    let child = |href: &str| json!({"rel": "child", "href": href});
    write(
        &dir,
        "a/catalog.json",
        &json!({"type": "Catalog", "id": "a",
        "links": [child("../b/catalog.json")]}),
    );
    write(
        &dir,
        "b/catalog.json",
        &json!({"type": "Catalog", "id": "b",
        "links": [child("../a/catalog.json"), {"rel": "item", "href": "i.json"}]}),
    );
    write(&dir, "b/i.json", &item("i", Some("c")));
    let store = MemoryStore::default();
    let got = import_path(&store, &tenant(), &dir.join("a"))
        .await
        .unwrap();
    assert_eq!(got, report(0, 1, 1));
}

#[tokio::test]
async fn a_folder_without_root_imports_collections_first() {
    let (_guard, dir) = temp_dir();
    let items = json!({"type": "FeatureCollection", "features": [item("a", Some("z"))]});
    write(&dir, "a_items.json", &items);
    write(&dir, "b_item.json", &item("b", Some("z")));
    write(
        &dir,
        "sub/z.json",
        &json!({"type": "Collection", "id": "z", "title": "Zed"}),
    );
    std::fs::write(dir.join("notes.txt"), "not json").unwrap();
    let store = MemoryStore::default();
    assert_eq!(
        import_path(&store, &tenant(), &dir).await.unwrap(),
        report(1, 2, 2)
    );
    assert_eq!(store.events(), ["dataset:z", "object:a", "object:b"]);
    assert_eq!(store.dataset(&tenant(), "z").unwrap().label, "Zed");
}
