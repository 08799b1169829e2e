//! Storage confinement: an administrator can import an asset naming any file, but what no
//! storage may serve is reported at import, ends in ERROR when ordered and is never sent.

use crate::backend_tests;
use crate::downloads::{order_files, send};
use crate::fixtures::{collection, item_collection};
use crate::helpers::{TestApp, spawn_app_with};
use regards_order::config::StorageSettings;
use serde_json::{Value, json};
use std::path::Path;

backend_tests!(
    system_files_are_never_served_by_default,
    system_files_are_never_served_by_a_storage_rooted_at_slash,
);

const LOOT: &str = "URN:AIP:DATASET:project1:loot:V1";
/// What the harmless file holds: proof that the storage does serve what it may.
const HARMLESS: &[u8] = b"an ordinary product";

/// An item whose assets are the process environment, the password file and `harmless`.
fn loot(harmless: &Path) -> Value {
    // Sized: the order builder leaves files of unknown size out.
    let asset = |href: String| json!({"href": href, "roles": ["data"], "file:size": 19});
    json!({
        "type": "Feature", "id": "URN:AIP:DATA:project1:loot:V1", "collection": LOOT,
        "geometry": null, "properties": {}, "links": [],
        "assets": {
            "environ": asset("file:///proc/self/environ".to_owned()),
            "passwd": asset("file:///etc/passwd".to_owned()),
            "harmless": asset(format!("file://{}", harmless.display())),
        }
    })
}

/// Imports the loot as an administrator, orders it, and checks that only the harmless file
/// is served: the others are reported at import, end in ERROR, answer 422 and appear in no
/// zip.
async fn only_the_harmless_file_is_served(app: &TestApp, harmless: &Path) {
    std::fs::create_dir_all(harmless.parent().expect("folder")).expect("folder");
    std::fs::write(harmless, HARMLESS).expect("harmless file");
    app.import(&collection(LOOT, "Loot")).await;
    let report = app.import(&item_collection(vec![loot(harmless)])).await;
    assert_eq!(report["files"], 3);
    assert_eq!(report["unownedCount"], 2, "{report}");
    let mut named: Vec<(String, String)> = report["unowned"]
        .as_array()
        .expect("unowned list")
        .iter()
        .map(|u| (u["asset"].to_string(), u["href"].to_string()))
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            (
                "\"environ\"".to_owned(),
                "\"file:///proc/self/environ\"".to_owned()
            ),
            ("\"passwd\"".to_owned(), "\"file:///etc/passwd\"".to_owned()),
        ]
    );
    let admin = app.admin();
    let id = app.order_of(&admin, "*").await;
    let order = app
        .wait_order(&admin, id, "a final status", |o| {
            o["status"] == "DONE_WITH_WARNING"
        })
        .await;
    assert_eq!(order["filesInErrorCount"], 2, "{order}");
    for file in order_files(app, &admin, id).await {
        let download = send(app.get(&format!("/orders/files/{}", file["id"]), &admin)).await;
        let status = download.status().as_u16();
        let body = download.bytes().await.expect("body");
        if file["filename"] == "harmless.dat" {
            assert_eq!((status, &body[..]), (200, HARMLESS));
            continue;
        }
        assert_eq!(file["state"], "ERROR", "{file}");
        assert_eq!(status, 422, "{file}");
        assert_no_secret(&body);
    }
    let zip = send(app.get(&format!("/user/orders/{id}/download"), &admin)).await;
    assert_no_secret(&zip.bytes().await.expect("zip"));
}

/// Fails when `bytes` hold anything of the environment or the password file.
fn assert_no_secret(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !text.contains("PATH=") && !text.contains("root:"),
        "a secret was served: {text}"
    );
}

async fn system_files_are_never_served_by_default(app: TestApp) {
    let harmless = app.dir.path().join("data/files/harmless.dat");
    only_the_harmless_file_is_served(&app, &harmless).await;
}

async fn system_files_are_never_served_by_a_storage_rooted_at_slash(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |settings, _| {
        settings.storages = vec![StorageSettings::online("everything", Path::new("/"))];
    })
    .await;
    let harmless = app.dir.path().join("anywhere/harmless.dat");
    only_the_harmless_file_is_served(&app, &harmless).await;
}
