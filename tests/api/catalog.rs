//! Catalogue import: formats, idempotence, errors, CLI, static folders, large files.

use crate::backend_tests;
use crate::fixtures::{DS1, DS2, collection, item, item_collection, selection};
use crate::helpers::{TestApp, cli, json, messages};
use serde_json::{Value, json};

backend_tests!(
    imports_collection_item_and_item_collection,
    reimport_updates_instead_of_duplicating,
    invalid_stac_is_422_and_stores_nothing,
    relative_hrefs_need_a_base_over_http,
    cli_imports_a_static_catalog_folder,
    cli_imports_a_large_item_collection,
    cli_reports_bad_files,
);

async fn imports_collection_item_and_item_collection(app: TestApp) {
    let counts = |report: &Value| {
        let count = |key: &str| report[key].as_u64().expect("a count");
        [count("datasets"), count("objects"), count("files")]
    };
    let report = app.import(&collection(DS1, "Alpha")).await;
    assert_eq!(counts(&report), [1, 0, 0]);
    let single = item("URN:O1", DS1, 5, json!({"providerId": "one"}));
    let report = app.import(&single).await;
    assert_eq!(counts(&report), [0, 1, 3]);
    let many = item_collection(vec![
        item("URN:O2", DS1, 6, json!({})),
        item("URN:O3", DS2, 7, json!({})),
    ]);
    let report = app.import(&many).await;
    assert_eq!(counts(&report), [0, 2, 6]);
    // The items are selectable; DS2 was never imported as a collection: its URN is its label.
    let token = app.user("u@x.fr");
    let basket = json(app.select(&token, &selection(None, None)).await).await;
    let selections = basket["content"]["datasetSelections"]
        .as_array()
        .expect("array");
    assert_eq!(selections.len(), 2);
    assert_eq!(selections[0]["datasetLabel"], "Alpha");
    assert_eq!(selections[0]["objectsCount"], 2);
    assert_eq!(selections[1]["datasetLabel"], DS2);
}

async fn reimport_updates_instead_of_duplicating(app: TestApp) {
    app.import(&collection(DS1, "Alpha")).await;
    app.import(&item("URN:O1", DS1, 5, json!({"platform": "OLD"})))
        .await;
    app.import(&item("URN:O1", DS1, 50, json!({"platform": "NEW"})))
        .await;
    app.import(&collection(DS1, "Renamed")).await;
    let token = app.user("u@x.fr");
    let old = app
        .select(&token, &selection(None, Some("platform:OLD")))
        .await;
    assert_eq!(old.status(), 204);
    let basket = json(
        app.select(&token, &selection(None, Some("platform:NEW")))
            .await,
    )
    .await;
    let ds = &basket["content"]["datasetSelections"][0];
    assert_eq!(ds["datasetLabel"], "Renamed");
    assert_eq!(ds["objectsCount"], 1);
    assert_eq!(ds["filesCount"], 2);
    assert_eq!(ds["filesSize"], 60);
}

async fn invalid_stac_is_422_and_stores_nothing(app: TestApp) {
    let admin = app.admin();
    let cases = [
        json!({"type": "Feature", "id": "x", "properties": {}, "assets": {}}),
        json!({"type": "Banana"}),
        json!([1, 2, 3]),
    ];
    for body in cases {
        let response = app
            .post("/catalog/import", &admin)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 422, "{body}");
        assert!(!messages(response).await.is_empty());
    }
    let mut bad_checksum = item("URN:BAD", DS1, 5, json!({}));
    bad_checksum["assets"]["data"]["file:checksum"] = json!("zz");
    let response = app
        .post("/catalog/import", &admin)
        .json(&bad_checksum)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    let garbage = app
        .post("/catalog/import", &admin)
        .body("{\"type\": \"FeatureCollection\", \"features\": [")
        .send()
        .await
        .expect("request");
    assert_eq!(garbage.status(), 422);
    let token = app.user("u@x.fr");
    assert_eq!(
        app.select(&token, &selection(None, None)).await.status(),
        204
    );
}

async fn relative_hrefs_need_a_base_over_http(app: TestApp) {
    let mut relative = item("URN:REL", DS1, 5, json!({}));
    relative["assets"]["data"]["href"] = json!("files/a.nc");
    let admin = app.admin();
    let without = app
        .post("/catalog/import", &admin)
        .json(&relative)
        .send()
        .await
        .expect("request");
    assert_eq!(without.status(), 422);
    let with = app
        .post("/catalog/import?base=file:///archive/", &admin)
        .json(&relative)
        .send()
        .await
        .expect("request");
    assert_eq!(with.status(), 200);
}

async fn cli_imports_a_static_catalog_folder(app: TestApp) {
    let root = app.path("stac");
    std::fs::create_dir_all(root.join("ds1/items")).expect("dirs");
    let catalog = json!({
        "type": "Catalog", "id": "root", "stac_version": "1.0.0", "description": "root",
        "links": [{"rel": "child", "href": "./ds1/collection.json"}]
    });
    let mut coll = collection(DS1, "Alpha");
    coll["links"] = json!([
        {"rel": "item", "href": "./items/a.json"},
        {"rel": "item", "href": "items/b.json"},
        {"rel": "parent", "href": "../catalog.json"}
    ]);
    let mut a = item("URN:A", DS1, 10, json!({"providerId": "A"}));
    a.as_object_mut().expect("object").remove("collection");
    a["assets"]["data"]["href"] = json!("../data/a.nc");
    let b = item("URN:B", DS1, 20, json!({"providerId": "B"}));
    let write = |path: std::path::PathBuf, v: &serde_json::Value| {
        std::fs::write(path, serde_json::to_vec_pretty(v).expect("json")).expect("write");
    };
    write(root.join("catalog.json"), &catalog);
    write(root.join("ds1/collection.json"), &coll);
    write(root.join("ds1/items/a.json"), &a);
    write(root.join("ds1/items/b.json"), &b);

    let folder = root.to_string_lossy().into_owned();
    let (ok, stdout, stderr) = cli(
        &app,
        &["catalog", "import", "--tenant", "project1", &folder],
    )
    .await;
    assert!(ok, "import failed: {stderr}");
    assert!(
        stdout.contains("1 datasets, 2 objects, 6 files"),
        "{stdout}"
    );
    // The default storage serves `<data_dir>/files` only: these files are named.
    assert!(
        stdout.contains("no storage owns 6 of these files"),
        "{stdout}"
    );
    let a_data = format!("URN:A / data: file://{}/ds1/data/a.nc", root.display());
    assert!(stdout.contains(&a_data), "{stdout}");
    assert!(
        stdout.contains("URN:B / quicklook: file:///data/URN:B.png"),
        "{stdout}"
    );
    // Imported twice: the same catalogue.
    let (ok, _, stderr) = cli(
        &app,
        &["catalog", "import", "--tenant", "project1", &folder],
    )
    .await;
    assert!(ok, "{stderr}");
    let token = app.user("u@x.fr");
    let basket = json(app.select(&token, &selection(Some(DS1), None)).await).await;
    assert_eq!(basket["content"]["datasetSelections"][0]["objectsCount"], 2);
    assert_eq!(
        basket["content"]["datasetSelections"][0]["datasetLabel"],
        "Alpha"
    );
}

async fn cli_imports_a_large_item_collection(app: TestApp) {
    let path = app.path("big.json");
    let items: Vec<_> = (0..20_000)
        .map(|i| item(&format!("URN:BIG:{i}"), DS1, 1, json!({"n": i})))
        .collect();
    std::fs::write(
        &path,
        serde_json::to_vec(&item_collection(items)).expect("json"),
    )
    .expect("write");
    let file = path.to_string_lossy().into_owned();
    let (ok, stdout, stderr) =
        cli(&app, &["catalog", "import", "--tenant", "project1", &file]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("20000 objects, 60000 files"), "{stdout}");
    let token = app.user("u@x.fr");
    let basket = json(
        app.select(&token, &selection(None, Some("n:[100 TO 199]")))
            .await,
    )
    .await;
    assert_eq!(
        basket["content"]["datasetSelections"][0]["objectsCount"],
        100
    );
}

async fn cli_reports_bad_files(app: TestApp) {
    let path = app.path("broken.json");
    std::fs::write(&path, "{\"type\": \"Feature\",\n \"id\": ").expect("write");
    let file = path.to_string_lossy().into_owned();
    let (ok, _, stderr) = cli(&app, &["catalog", "import", "--tenant", "project1", &file]).await;
    assert!(!ok);
    assert!(stderr.contains("line 2"), "{stderr}");
    let (ok, _, stderr) = cli(
        &app,
        &[
            "catalog",
            "import",
            "--tenant",
            "project1",
            "/no/such/file.json",
        ],
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("/no/such/file.json"), "{stderr}");
}
