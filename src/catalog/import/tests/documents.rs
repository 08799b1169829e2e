//! Single documents: Collections, Items, their assets and what can be wrong with them.

use super::*;
use regards_order_actors::domain::DataType;

#[tokio::test]
async fn a_collection_becomes_a_dataset() {
    let (_guard, dir) = temp_dir();
    let doc = json!({"type": "Collection", "id": "S2", "title": "Sentinel-2", "links": []});
    let store = MemoryStore::default();
    let got = import_path(&store, &tenant(), &write(&dir, "c.json", &doc))
        .await
        .unwrap();
    assert_eq!(got, report(1, 0, 0));
    assert_eq!(store.dataset(&tenant(), "S2").unwrap().label, "Sentinel-2");
}

#[tokio::test]
async fn item_assets_become_typed_files() {
    let (_guard, dir) = temp_dir();
    let doc = json!({"type": "Feature", "id": "i1", "collection": "c",
        "properties": {"providerId": "P1", "title": "First", "cloud": 3},
        "assets": {
            "data": {"href": "data/my%20file.tif", "roles": ["data"], "type": "image/tiff",
                     "file:size": 1234, "file:checksum": MD5},
            "overview": {"href": "../ql/ov.png", "roles": ["overview"]},
            "visual": {"href": "https://h.org/v.jpg", "roles": ["visual"]},
            "thumb": {"href": "/abs/t.png", "roles": ["thumbnail"]},
            "odd": {"href": "odd.bin", "roles": ["foo"]},
            "plain": {"href": "plain.bin"},
            "doc": {"href": "doc.pdf", "roles": ["data"], "regards:dataType": "document"}}});
    let store = MemoryStore::default();
    let got = import_path(&store, &tenant(), &write(&dir, "sub/item.json", &doc))
        .await
        .unwrap();
    assert_eq!(got, report(0, 1, 7));
    let object = store.object(&tenant(), "i1").unwrap();
    assert_eq!(
        (object.provider_id.as_str(), object.label.as_deref()),
        ("P1", Some("First"))
    );
    assert_eq!(object.properties["cloud"], 3);
    let file = |name: &str| {
        object
            .files
            .iter()
            .find(|f| f.filename == name)
            .unwrap()
            .clone()
    };
    let data = file("my file.tif");
    let root = format!("file://{}", dir.display());
    assert_eq!(data.url, format!("{root}/sub/data/my%20file.tif"));
    assert_eq!(
        (data.data_type, data.size, data.reference),
        (DataType::Rawdata, Some(1234), false)
    );
    assert_eq!(data.mime_type.as_deref(), Some("image/tiff"));
    assert_eq!(data.checksum.unwrap().algorithm, "MD5");
    assert_eq!(file("ov.png").url, format!("{root}/ql/ov.png"));
    assert_eq!(file("ov.png").data_type, DataType::QuicklookSd);
    assert_eq!(
        (file("v.jpg").data_type, file("v.jpg").reference),
        (DataType::QuicklookHd, true)
    );
    assert_eq!(file("v.jpg").url, "https://h.org/v.jpg");
    assert_eq!(
        (file("t.png").data_type, file("t.png").url.as_str()),
        (DataType::Thumbnail, "file:///abs/t.png")
    );
    assert_eq!(file("odd.bin").data_type, DataType::Other);
    assert_eq!(file("plain.bin").data_type, DataType::Rawdata);
    assert_eq!(file("doc.pdf").data_type, DataType::Document);
}

#[tokio::test]
async fn multihash_checksums_are_decoded_or_refused() {
    let store = MemoryStore::default();
    let mut doc = item("i", Some("c"));
    doc["assets"]["data"]["file:checksum"] = json!(SHA256);
    doc["assets"]["md5"] = json!({"href": "http://h/m.tif", "file:checksum": MD5});
    bytes(&store, &doc, Some("http://h/")).await.unwrap();
    let files = store.object(&tenant(), "i").unwrap().files;
    let sums: Vec<_> = files
        .iter()
        .map(|f| f.checksum.clone().unwrap().algorithm)
        .collect();
    assert_eq!(sums, ["SHA-256", "MD5"]);
    assert_eq!(files[1].checksum.clone().unwrap().value, &MD5[6..]);
    doc["assets"]["data"]["file:checksum"] = json!("1220abcd");
    let err = bytes(&store, &doc, Some("http://h/")).await.unwrap_err();
    assert!(matches!(err, ImportError::Invalid(_)));
    let message = err.to_string();
    assert!(
        message.contains("item 'i', asset 'data'") && message.contains("1220abcd"),
        "{message}"
    );
}

#[tokio::test]
async fn malformed_json_is_located() {
    let (_guard, dir) = temp_dir();
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        "{\n  \"type\": \"Feature\",\n  \"id\": \"x\" \"collection\": \"c\"\n}",
    )
    .unwrap();
    let err = import_path(&MemoryStore::default(), &tenant(), &path)
        .await
        .unwrap_err();
    let ImportError::Json {
        line,
        column,
        ref message,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!((line, column), (3, 13));
    assert!(message.contains("expected"), "{message}");
    assert!(
        err.to_string()
            .contains("bad.json, line 3, column 13: expected"),
        "{err}"
    );
    assert!(err.is_client_error());
    let err = bytes(&MemoryStore::default(), &json!([1]), None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("expected a STAC JSON object"),
        "{err}"
    );
}

#[tokio::test]
async fn uploaded_documents_resolve_hrefs_against_the_base() {
    let store = MemoryStore::default();
    let url = |store: &MemoryStore| store.object(&tenant(), "a").unwrap().files[0].clone();
    bytes(
        &store,
        &item("a", Some("c")),
        Some("https://h.org/stac/items.json"),
    )
    .await
    .unwrap();
    assert_eq!(
        (url(&store).url.as_str(), url(&store).reference),
        ("https://h.org/stac/a.tif", true)
    );
    bytes(&store, &item("a", Some("c")), Some("file:///data/"))
        .await
        .unwrap();
    assert_eq!(
        (url(&store).url.as_str(), url(&store).reference),
        ("file:///data/a.tif", false)
    );
    let err = bytes(&store, &item("a", Some("c")), None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("without a base URL") && err.is_client_error(),
        "{err}"
    );
    let err = bytes(&store, &item("a", Some("c")), Some("data/"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("base URL 'data/'"), "{err}");
    let mut absolute = item("b", Some("c"));
    absolute["assets"]["data"]["href"] = json!("https://h.org/b.tif");
    assert_eq!(
        bytes(&store, &absolute, None).await.unwrap(),
        report(0, 1, 1)
    );
    let catalog =
        json!({"type": "Catalog", "id": "x", "links": [{"rel": "child", "href": "c.json"}]});
    assert_eq!(
        bytes(&store, &catalog, None).await.unwrap(),
        report(0, 0, 0)
    );
}

#[tokio::test]
async fn documents_that_are_not_stac_are_refused() {
    let store = MemoryStore::default();
    let err = |doc: Value| async move {
        bytes(&MemoryStore::default(), &doc, None)
            .await
            .unwrap_err()
            .to_string()
    };
    assert!(err(json!({"id": "x"})).await.contains("no type"));
    assert!(
        err(json!({"type": "Polygon"}))
            .await
            .contains("unknown STAC type 'Polygon'")
    );
    assert!(
        err(json!({"type": "FeatureCollection"}))
            .await
            .contains("no features array")
    );
    assert!(
        err(item("a", None))
            .await
            .contains("item 'a' has no collection")
    );
    let missing = import_path(&store, &tenant(), Path::new("/no/such/file.json"))
        .await
        .unwrap_err();
    assert!(matches!(missing, ImportError::Io { .. }) && missing.is_client_error());
    assert!(
        missing.to_string().contains("/no/such/file.json"),
        "{missing}"
    );
}

#[tokio::test]
async fn hrefs_no_storage_owns_are_imported_and_reported() {
    let doc = json!({"type": "Feature", "id": "i1", "collection": "c",
        "assets": {
            "data": {"href": "file:///data/a.tif", "roles": ["data"]},
            "env": {"href": "file:///proc/self/environ", "roles": ["data"]},
            "web": {"href": "https://h.org/b.tif", "roles": ["data"]}}});
    let store = MemoryStore::default();
    let owns: super::super::OwnsLocation = Arc::new(|href: &str| href.starts_with("file:///data/"));
    let body = serde_json::to_vec(&doc).unwrap().into();
    let got = import_bytes(&store, &tenant(), body, None, owns)
        .await
        .unwrap();
    assert_eq!((got.objects, got.files, got.unowned_count), (1, 3, 2));
    let mut listed: Vec<_> = got
        .unowned
        .iter()
        .map(|u| (u.item.as_str(), u.asset.as_str(), u.href.as_str()))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ("i1", "env", "file:///proc/self/environ"),
            ("i1", "web", "https://h.org/b.tif")
        ]
    );
    assert_eq!(store.object(&tenant(), "i1").unwrap().files.len(), 3);
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["unownedCount"], 2);
    assert_eq!(json["unowned"][0]["item"], "i1");
}
