//! OrderDataFileController and OrderDataFileAvailableController: one file (bearer or public
//! order token), `Range`, 202 / 422 by state, listings; plus the helpers of the zip and
//! metalink tests (`downloads_zip`, `downloads_metalink`).

use crate::archive::{ARCHIVE_DS, online_root, tape_root, with_storages};
use crate::backend_tests;
use crate::fixtures::{collection, item_collection};
use crate::helpers::{TENANT, TestApp, json, messages, spawn_app_with};
use regards_order::auth::Role;
use reqwest::header::{
    ACCEPT_RANGES, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE,
    RETRY_AFTER,
};
use reqwest::{RequestBuilder, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

backend_tests!(
    one_file_bytes_headers_and_ranges,
    one_file_follows_the_owner_rule,
    a_storage_failure_names_no_address,
    complete_downloads_drain_the_order,
    a_done_order_lists_its_available_files_at_once,
    nearline_file_is_202_until_restored_and_error_is_422,
    public_file_with_the_metalink_token,
    public_head_tells_the_file_length,
    public_file_token_refusals,
    dataset_files_listing,
    available_files_listings,
);

// ------------------------------------------------------------------------------------------
// Helpers shared with downloads_zip and downloads_metalink.

/// An app with the archive storages (nearline restores take `delay_ms`, `drives` at once).
pub async fn archive_app(app: TestApp, delay_ms: u64, drives: u32) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| with_storages(s, dir, delay_ms, drives)).await
}

/// Sends a request; panics when no answer comes.
pub async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("request")
}

/// An anonymous GET (no bearer: the tenant comes from `scope` in `path`).
pub fn anonymous_get(app: &TestApp, path: &str) -> RequestBuilder {
    app.client.get(app.url(path))
}

/// Deterministic content of `size` bytes, different for each `seed`.
pub fn content(seed: usize, size: usize) -> Vec<u8> {
    (0..size)
        .map(|b| ((b * 7 + seed * 13 + b / 251) % 256) as u8)
        .collect()
}

/// Writes `bytes` at `path`, creating its folder.
pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    std::fs::write(path, bytes).expect("write file");
}

/// `(md5, sha256)` hex digests of `bytes`, from Python's hashlib.
pub async fn digests(bytes: Vec<u8>) -> (String, String) {
    let script = "import hashlib,sys\nd=sys.stdin.buffer.read()\n\
                  print(hashlib.md5(d).hexdigest(), hashlib.sha256(d).hexdigest())";
    let out = blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(&bytes)
            .expect("write stdin");
        child.wait_with_output().expect("python3 output")
    })
    .await;
    assert!(out.status.success(), "hashlib failed");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut parts = text.split_whitespace().map(str::to_owned);
    (parts.next().expect("md5"), parts.next().expect("sha256"))
}

/// The multihash (hex) of an MD5 digest, as STAC `file:checksum` holds it.
pub fn md5_multihash(md5: &str) -> String {
    format!("d50110{md5}")
}

/// The multihash of a SHA-256 digest.
pub fn sha256_multihash(sha256: &str) -> String {
    format!("1220{sha256}")
}

/// A STAC item of the archive dataset (provider id `key`, property `group`) with one data
/// file at `path`.
pub fn item(key: &str, group: &str, path: &Path, size: usize, checksum: Option<&str>) -> Value {
    let mut asset = json!({
        "href": format!("file://{}", path.display()), "roles": ["data"],
        "type": "application/x-test", "file:size": size
    });
    if let Some(c) = checksum {
        asset["file:checksum"] = json!(c);
    }
    json!({
        "type": "Feature", "stac_version": "1.0.0",
        "id": format!("URN:AIP:DATA:project1:{key}:V1"), "collection": ARCHIVE_DS,
        "geometry": null, "properties": {"providerId": key, "group": group},
        "links": [], "assets": {"data": asset}
    })
}

/// Imports the archive dataset and `items` in one ItemCollection.
pub async fn import_items(app: &TestApp, items: Vec<Value>) {
    app.import(&collection(ARCHIVE_DS, "Archive")).await;
    app.import(&item_collection(items)).await;
}

/// A file written for a test: where it is and what it holds.
pub struct Written {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl Written {
    /// Its file name.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned()
    }
}

/// Writes `count` files `<group>-<i>.dat` of `size + i` bytes under `root` and imports them,
/// one item each, with their real MD5 as checksum.
pub async fn add_files(
    app: &TestApp,
    root: &Path,
    group: &str,
    count: usize,
    size: usize,
) -> Vec<Written> {
    let mut items = Vec::new();
    let mut written = Vec::new();
    for i in 0..count {
        let path = root.join(format!("{group}-{i}.dat"));
        let bytes = content(i + group.len() * 31, size + i);
        write(&path, &bytes);
        let (md5, _) = digests(bytes.clone()).await;
        items.push(item(
            &format!("{group}-{i}"),
            group,
            &path,
            bytes.len(),
            Some(&md5_multihash(&md5)),
        ));
        written.push(Written { path, bytes });
    }
    import_items(app, items).await;
    written
}

/// Orders `group:<group>` and waits for `status`; answers the order id.
pub async fn order_with_status(app: &TestApp, token: &str, group: &str, status: &str) -> i64 {
    let id = app.order_of(token, &format!("group:{group}")).await;
    settled(app, token, id, status).await;
    id
}

/// Waits for the order's `status`, then for its files listing to show as many AVAILABLE files
/// as the order counts (see `a_done_order_lists_its_available_files_at_once`, which checks
/// that no wait is needed); answers the order.
pub async fn settled(app: &TestApp, token: &str, id: i64, status: &str) -> Value {
    let order = app.wait_status(token, id, status).await;
    let expected = order["availableFilesCount"].clone();
    poll("the files listing to agree with the order", || async {
        let path = format!("/orders/{id}/files/available");
        let page = json(send(app.get(&path, token)).await).await;
        (page["metadata"]["totalElements"] == expected).then_some(())
    })
    .await;
    order
}

/// Every file of the order (all dataset tasks), from `GET /orders/{id}/dataset/{task}/files`.
pub async fn order_files(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let order = app.order(token, id).await;
    let mut files = Vec::new();
    for task in order["datasetTasks"].as_array().expect("tasks") {
        let task_id = task["id"].as_i64().expect("task id");
        let path = format!("/orders/{id}/dataset/{task_id}/files?size=2000");
        let page = json(send(app.get(&path, token)).await).await;
        for entry in page["content"].as_array().expect("content") {
            files.push(entry["content"].clone());
        }
    }
    files
}

/// File ids of the order by file name.
pub async fn file_ids(app: &TestApp, token: &str, id: i64) -> HashMap<String, i64> {
    order_files(app, token, id)
        .await
        .iter()
        .map(|f| {
            (
                f["filename"].as_str().expect("filename").to_owned(),
                f["id"].as_i64().expect("id"),
            )
        })
        .collect()
}

/// State of each file of the order, by file name.
pub async fn file_states(app: &TestApp, token: &str, id: i64) -> HashMap<String, String> {
    order_files(app, token, id)
        .await
        .iter()
        .map(|f| {
            (
                f["filename"].as_str().expect("filename").to_owned(),
                f["state"].as_str().expect("state").to_owned(),
            )
        })
        .collect()
}

/// The public order token in a metalink's URLs.
pub fn token_in(metalink: &str) -> String {
    let pattern = regex::Regex::new(r"orderToken=([A-Za-z0-9_\-.]+)").expect("regex");
    pattern
        .captures(metalink)
        .unwrap_or_else(|| panic!("no orderToken in {metalink}"))[1]
        .to_owned()
}

/// The order's Metalink 3 document, fetched with `token`.
pub async fn metalink_of(app: &TestApp, token: &str, id: i64) -> String {
    let response = send(app.get(&format!("/user/orders/{id}/metalink/download"), token)).await;
    assert_eq!(response.status(), 200, "metalink of order {id}");
    response.text().await.expect("metalink body")
}

/// The public token of the order's metalink.
pub async fn public_token(app: &TestApp, token: &str, id: i64) -> String {
    token_in(&metalink_of(app, token, id).await)
}

/// Runs blocking work (external programs) off the runtime that drives the service's actors.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("blocking task")
}

/// Polls `check` every 25 ms for at most 10 s until it answers `Some`.
pub async fn poll<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "never got {what}");
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Checks for `millis` that the order's `availableFilesCount` stays `expected`.
pub async fn available_stays(app: &TestApp, token: &str, id: i64, expected: i64, millis: u64) {
    let end = Instant::now() + Duration::from_millis(millis);
    while Instant::now() < end {
        let order = app.order(token, id).await;
        assert_eq!(
            order["availableFilesCount"], expected,
            "available files changed: {order}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A header of the response (panics when absent).
pub fn header(response: &Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("ascii header")
}

// ------------------------------------------------------------------------------------------
// One file.

async fn one_file_bytes_headers_and_ranges(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let files = add_files(&app, &online_root(app.dir.path()), "one", 1, 1000).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "one", "DONE").await;
    let file_id = file_ids(&app, &token, id).await["one-0.dat"];
    let path = format!("/orders/files/{file_id}");
    let source = &files[0].bytes;

    // Ranges first: a range that stops before the end leaves the file AVAILABLE.
    let partial = send(app.get(&path, &token).header(RANGE, "bytes=10-19")).await;
    assert_eq!(partial.status(), 206);
    assert_eq!(header(&partial, CONTENT_RANGE), "bytes 10-19/1000");
    assert_eq!(header(&partial, CONTENT_LENGTH), "10");
    let body = partial.bytes().await.expect("body");
    assert_eq!(&body[..], &source[10..20]);

    let beyond = send(app.get(&path, &token).header(RANGE, "bytes=5000000-")).await;
    assert_eq!(beyond.status(), 416);
    assert_eq!(header(&beyond, CONTENT_RANGE), "bytes */1000");
    available_stays(&app, &token, id, 1, 100).await;

    let tail = send(app.get(&path, &token).header(RANGE, "bytes=-5")).await;
    assert_eq!(tail.status(), 206);
    assert_eq!(header(&tail, CONTENT_RANGE), "bytes 995-999/1000");
    assert_eq!(&tail.bytes().await.expect("body")[..], &source[995..]);

    // The whole file (a DOWNLOADED file may be downloaded again).
    let full = send(app.get(&path, &token)).await;
    assert_eq!(full.status(), 200);
    assert_eq!(header(&full, CONTENT_TYPE), "application/x-test");
    assert_eq!(header(&full, CONTENT_LENGTH), "1000");
    assert_eq!(
        header(&full, CONTENT_DISPOSITION),
        "attachment; filename=\"one-0.dat\""
    );
    assert_eq!(header(&full, ACCEPT_RANGES), "bytes");
    assert_eq!(&full.bytes().await.expect("body")[..], &source[..]);
    let again = send(app.get(&path, &token)).await;
    assert_eq!(
        again.status(),
        200,
        "a downloaded file can be downloaded again"
    );
    assert_eq!(&again.bytes().await.expect("body")[..], &source[..]);
}

async fn one_file_follows_the_owner_rule(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let files = add_files(&app, &online_root(app.dir.path()), "own", 1, 300).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "own", "DONE").await;
    let file_id = file_ids(&app, &token, id).await["own-0.dat"];
    let path = format!("/orders/files/{file_id}");

    let other = send(app.get(&path, &app.user("v@x.fr"))).await;
    assert_eq!(other.status(), 403);
    assert!(other.bytes().await.expect("body").is_empty());
    assert_eq!(
        send(app.get(&path, &app.admin())).await.status(),
        403,
        "ADMIN is not the owner"
    );
    let unknown = send(app.get("/orders/files/987654", &token)).await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        messages(unknown).await,
        vec!["Data file with id: 987654 doesn't exist."]
    );
    let elsewhere = app.token_for("project2", "u@x.fr", Role::RegisteredUser);
    assert_eq!(
        send(app.get(&path, &elsewhere)).await.status(),
        404,
        "a file of another tenant does not exist"
    );
    let anonymous = send(anonymous_get(&app, &format!("{path}?scope={TENANT}"))).await;
    assert_eq!(anonymous.status(), 403, "PUBLIC is below REGISTERED_USER");
    // A super-admin may read it (a range short of the end: the file stays AVAILABLE).
    let boss = app.token("boss@x.fr", Role::ProjectAdmin);
    let partial = send(app.get(&path, &boss).header(RANGE, "bytes=0-9")).await;
    assert_eq!(partial.status(), 206);
    assert_eq!(
        &partial.bytes().await.expect("body")[..],
        &files[0].bytes[..10]
    );
    available_stays(&app, &token, id, 1, 100).await;
}

/// A file its storage cannot read any more answers 503 with a message that names no path or
/// URL (the cause is in the service's log), and is marked DOWNLOAD_ERROR.
async fn a_storage_failure_names_no_address(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let files = add_files(&app, &online_root(app.dir.path()), "gone", 1, 300).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "gone", "DONE").await;
    let file_id = file_ids(&app, &token, id).await["gone-0.dat"];
    std::fs::remove_file(&files[0].path).expect("remove the file");

    let failed = send(app.get(&format!("/orders/files/{file_id}"), &token)).await;
    assert_eq!(failed.status(), 503);
    assert!(failed.headers().contains_key(RETRY_AFTER));
    let told = messages(failed).await.join(" ");
    let root = online_root(app.dir.path());
    assert!(
        !told.contains(&*root.to_string_lossy()) && !told.contains("gone-0.dat"),
        "the 503 names where the file is: {told}"
    );
    assert!(!told.contains("file:"), "{told}");
    let states = poll("the file marked DOWNLOAD_ERROR", || async {
        let states = file_states(&app, &token, id).await;
        (states["gone-0.dat"] == "DOWNLOAD_ERROR").then_some(states)
    })
    .await;
    assert_eq!(states.len(), 1);
}

async fn complete_downloads_drain_the_order(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let files = add_files(&app, &online_root(app.dir.path()), "drain", 2, 500).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "drain", "DONE").await;
    let order = app.order(&token, id).await;
    assert_eq!(order["availableFilesCount"], 2);
    assert_eq!(order["waitingForUser"], true);
    let ids = file_ids(&app, &token, id).await;

    let first = send(app.get(&format!("/orders/files/{}", ids["drain-0.dat"]), &token)).await;
    assert_eq!(first.status(), 200);
    assert_eq!(&first.bytes().await.expect("body")[..], &files[0].bytes[..]);
    let after_one = app
        .wait_order(&token, id, "one file downloaded", |o| {
            o["availableFilesCount"] == 1
        })
        .await;
    assert_eq!(after_one["waitingForUser"], true);
    assert_eq!(after_one["status"], "DONE");

    let second = send(app.get(&format!("/orders/files/{}", ids["drain-1.dat"]), &token)).await;
    assert_eq!(second.status(), 200);
    assert_eq!(
        &second.bytes().await.expect("body")[..],
        &files[1].bytes[..]
    );
    let drained = app
        .wait_order(&token, id, "every file downloaded", |o| {
            o["availableFilesCount"] == 0
        })
        .await;
    assert_eq!(drained["waitingForUser"], false);
    assert_eq!(drained["status"], "DONE");
    let states = file_states(&app, &token, id).await;
    assert!(states.values().all(|s| s == "DOWNLOADED"), "{states:?}");
    let available =
        json(send(app.get(&format!("/orders/{id}/files/available"), &token)).await).await;
    assert_eq!(available["metadata"]["totalElements"], 0);
}

/// What the order shows and what the file endpoints answer agree: once the order reads DONE
/// with N available files, the listing holds them, and they download (no 202, no 204 zip).
async fn a_done_order_lists_its_available_files_at_once(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let token = app.user("u@x.fr");
    for round in 0..3 {
        let group = format!("now{round}");
        add_files(&app, &online_root(app.dir.path()), &group, 3, 64).await;
        let id = app.order_of(&token, &format!("group:{group}")).await;
        let order = app.wait_status(&token, id, "DONE").await;
        assert_eq!(order["availableFilesCount"], 3);
        let path = format!("/orders/{id}/files/available");
        let page = json(send(app.get(&path, &token)).await).await;
        assert_eq!(
            page["metadata"]["totalElements"], 3,
            "order {id} reads DONE with 3 available files, its listing: {page}"
        );
        let zip = send(app.get(&format!("/user/orders/{id}/download"), &token)).await;
        assert_eq!(zip.status(), 200, "zip of order {id} right after DONE");
        // Read to the end: downloaded sub-orders free the user's slots for the next order.
        zip.bytes().await.expect("zip");
    }
}

async fn nearline_file_is_202_until_restored_and_error_is_422(app: TestApp) {
    let app = archive_app(app, 1200, 1).await;
    let dir = app.dir.path().to_owned();
    let tape = add_files(&app, &tape_root(&dir), "near", 1, 400).await;
    let lost = add_files(&app, &online_root(&dir), "lost", 1, 50).await;
    std::fs::remove_file(&lost[0].path).expect("remove");
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    app.wait_status(&token, id, "RUNNING").await;
    let files = order_files(&app, &token, id).await;
    let near = files
        .iter()
        .find(|f| f["filename"] == "near-0.dat")
        .expect("nearline file");
    assert_eq!(near["state"], "PENDING", "restore takes 1.2 s");
    let path = format!("/orders/files/{}", near["id"]);
    let pending = send(app.get(&path, &token)).await;
    assert_eq!(pending.status(), 202);
    assert!(
        header(&pending, RETRY_AFTER).parse::<u64>().is_ok(),
        "Retry-After in seconds"
    );
    assert!(pending.bytes().await.expect("body").is_empty());

    let body = poll("the restored file", || async {
        let response = send(app.get(&path, &token)).await;
        match response.status().as_u16() {
            202 => None,
            200 => Some(response.bytes().await.expect("body")),
            other => panic!("unexpected status {other}"),
        }
    })
    .await;
    assert_eq!(&body[..], &tape[0].bytes[..]);

    let order = settled(&app, &token, id, "DONE_WITH_WARNING").await;
    assert_eq!(order["filesInErrorCount"], 1);
    let states = file_states(&app, &token, id).await;
    assert_eq!(states["lost-0.dat"], "ERROR");
    let lost_id = file_ids(&app, &token, id).await["lost-0.dat"];
    let error = send(app.get(&format!("/orders/files/{lost_id}"), &token)).await;
    assert_eq!(error.status(), 422);
    assert!(error.bytes().await.expect("body").is_empty());
}

// ------------------------------------------------------------------------------------------
// Public files (order token).

/// `/orders/public/files/{id}?orderToken=…&scope=project1`.
fn public_path(file_id: i64, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("/orders/public/files/{file_id}?orderToken={t}&scope={TENANT}"),
        None => format!("/orders/public/files/{file_id}?scope={TENANT}"),
    }
}

async fn public_file_with_the_metalink_token(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let files = add_files(&app, &online_root(app.dir.path()), "pub", 1, 700).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "pub", "DONE").await;
    let file_id = file_ids(&app, &token, id).await["pub-0.dat"];
    let order_token = public_token(&app, &token, id).await;
    let path = public_path(file_id, Some(&order_token));

    let head = send(app.client.head(app.url(&path))).await;
    assert_eq!(head.status(), 200);
    assert_eq!(
        header(&head, CONTENT_DISPOSITION),
        "attachment; filename=\"pub-0.dat\""
    );
    assert!(head.bytes().await.expect("body").is_empty());
    available_stays(&app, &token, id, 1, 100).await;

    let ranged = send(anonymous_get(&app, &path).header(RANGE, "bytes=100-199")).await;
    assert_eq!(ranged.status(), 206);
    assert_eq!(header(&ranged, CONTENT_RANGE), "bytes 100-199/700");
    assert_eq!(
        &ranged.bytes().await.expect("body")[..],
        &files[0].bytes[100..200]
    );

    let full = send(anonymous_get(&app, &path)).await;
    assert_eq!(full.status(), 200);
    assert_eq!(header(&full, CONTENT_TYPE), "application/x-test");
    assert_eq!(header(&full, CONTENT_LENGTH), "700");
    assert_eq!(&full.bytes().await.expect("body")[..], &files[0].bytes[..]);
    let drained = app
        .wait_order(&token, id, "the file downloaded", |o| {
            o["availableFilesCount"] == 0
        })
        .await;
    assert_eq!(drained["waitingForUser"], false);

    // The owner's bearer token works with the order token too.
    let with_bearer = send(app.get(&path, &token)).await;
    assert_eq!(with_bearer.status(), 200);
    assert_eq!(
        &with_bearer.bytes().await.expect("body")[..],
        &files[0].bytes[..]
    );
}

/// HEAD tells the file's length (as GET would send it) without a body, anonymously.
async fn public_head_tells_the_file_length(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    add_files(&app, &online_root(app.dir.path()), "head", 1, 700).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "head", "DONE").await;
    let file_id = file_ids(&app, &token, id).await["head-0.dat"];
    let order_token = public_token(&app, &token, id).await;
    let path = public_path(file_id, Some(&order_token));
    let head = send(app.client.head(app.url(&path))).await;
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, CONTENT_TYPE), "application/x-test");
    assert_eq!(header(&head, ACCEPT_RANGES), "bytes");
    assert_eq!(
        header(&head, CONTENT_LENGTH),
        "700",
        "HEAD {path}: Content-Length of the file"
    );
    assert!(head.bytes().await.expect("body").is_empty());
}

async fn public_file_token_refusals(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    add_files(&app, &online_root(app.dir.path()), "tok", 1, 100).await;
    add_files(&app, &online_root(app.dir.path()), "tok2", 1, 100).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "tok", "DONE").await;
    let file_id = file_ids(&app, &token, id).await["tok-0.dat"];
    let order_token = public_token(&app, &token, id).await;

    let missing = send(anonymous_get(&app, &public_path(file_id, None))).await;
    assert_eq!(missing.status(), 400, "no orderToken");
    let head_missing = send(app.client.head(app.url(&public_path(file_id, None)))).await;
    assert_eq!(head_missing.status(), 400, "HEAD without orderToken");

    // Flip one character in the middle of the signature.
    let (signed, signature) = order_token.rsplit_once('.').expect("a JWT");
    let middle = signature.len() / 2;
    let flipped = if &signature[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    let tampered = format!(
        "{signed}.{}{flipped}{}",
        &signature[..middle],
        &signature[middle + 1..]
    );
    let bad = send(anonymous_get(&app, &public_path(file_id, Some(&tampered)))).await;
    assert_eq!(bad.status(), 401, "tampered signature");
    let bad_head = send(
        app.client
            .head(app.url(&public_path(file_id, Some(&tampered)))),
    )
    .await;
    assert_eq!(bad_head.status(), 401, "HEAD with a tampered signature");
    let garbage = send(anonymous_get(
        &app,
        &public_path(file_id, Some("not.a.jwt")),
    ))
    .await;
    assert_eq!(garbage.status(), 401, "not a JWT");

    let expired = app
        .state
        .order_tokens
        .issue(
            TENANT,
            "u@x.fr",
            Role::RegisteredUser,
            id,
            chrono::Utc::now() - chrono::Duration::minutes(5),
        )
        .expect("token");
    let late = send(anonymous_get(&app, &public_path(file_id, Some(&expired)))).await;
    assert_eq!(late.status(), 401, "expired token");

    // A valid token of another order of the same owner.
    let second = order_with_status(&app, &token, "tok2", "DONE").await;
    let second_token = public_token(&app, &token, second).await;
    let foreign_order = send(anonymous_get(
        &app,
        &public_path(file_id, Some(&second_token)),
    ))
    .await;
    assert_eq!(foreign_order.status(), 403, "token of another order");
    // The second order's token works for its own file.
    let second_file = file_ids(&app, &token, second).await["tok2-0.dat"];
    assert_eq!(
        send(anonymous_get(
            &app,
            &public_path(second_file, Some(&second_token))
        ))
        .await
        .status(),
        200
    );

    // A token of another user: for his own order, and one naming this order.
    let other = app.user("v@x.fr");
    let others_order = order_with_status(&app, &other, "tok", "DONE").await;
    let others_token = public_token(&app, &other, others_order).await;
    let foreign_user = send(anonymous_get(
        &app,
        &public_path(file_id, Some(&others_token)),
    ))
    .await;
    assert_eq!(foreign_user.status(), 403, "token of another user's order");
    let forged = app
        .state
        .order_tokens
        .issue(
            TENANT,
            "v@x.fr",
            Role::RegisteredUser,
            id,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .expect("token");
    let wrong_owner = send(anonymous_get(&app, &public_path(file_id, Some(&forged)))).await;
    assert_eq!(
        wrong_owner.status(),
        403,
        "token naming this order for another user"
    );
    assert_eq!(
        send(
            app.client
                .head(app.url(&public_path(file_id, Some(&forged))))
        )
        .await
        .status(),
        403,
        "HEAD with another user's token"
    );
    let unknown = send(anonymous_get(
        &app,
        &public_path(424_242, Some(&order_token)),
    ))
    .await;
    assert_eq!(
        unknown.status(),
        403,
        "an unknown file is not told apart from another order's"
    );
    // Nothing above downloaded this order's file.
    assert_eq!(app.order(&token, id).await["availableFilesCount"], 1);
}

// ------------------------------------------------------------------------------------------
// Listings.

async fn dataset_files_listing(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let dir = app.dir.path().to_owned();
    let online = add_files(&app, &online_root(&dir), "lst", 2, 120).await;
    let tape = add_files(&app, &tape_root(&dir), "lsttape", 1, 80).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    let order = settled(&app, &token, id, "DONE").await;
    let task_id = order["datasetTasks"][0]["id"].as_i64().expect("task id");
    let path = format!("/orders/{id}/dataset/{task_id}/files");
    let page = json(send(app.get(&path, &token)).await).await;
    assert_eq!(
        page["metadata"],
        json!({"size": 20, "totalElements": 3, "totalPages": 1, "number": 0})
    );
    let entries = page["content"].as_array().expect("content");
    assert_eq!(entries.len(), 3);
    let (md5, _) = digests(online[0].bytes.clone()).await;
    for entry in entries {
        let file = &entry["content"];
        let file_id = file["id"].as_i64().expect("id");
        assert_eq!(file["orderId"], id);
        assert_eq!(file["state"], "AVAILABLE");
        assert!(file["filesTaskId"].as_i64().is_some(), "{file}");
        assert_eq!(entry["links"][0]["rel"], "self");
        let href = entry["links"][0]["href"].as_str().expect("href");
        assert!(
            href.ends_with(&format!("/orders/files/{file_id}")) && !href.contains("//orders"),
            "{href}"
        );
        let name = file["filename"].as_str().expect("filename");
        let on_tape = name.starts_with("lsttape");
        assert_eq!(file["online"], !on_tape, "{file}");
        let stem = name.trim_end_matches(".dat");
        assert_eq!(file["productId"], stem);
        assert_eq!(file["ipId"], format!("URN:AIP:DATA:project1:{stem}:V1"));
        let source = if on_tape {
            &tape[0]
        } else {
            &online[if name == "lst-0.dat" { 0 } else { 1 }]
        };
        assert_eq!(file["filesize"], source.bytes.len());
        assert_eq!(
            file["uri"],
            format!("file://{}", source.path.display()),
            "{file}"
        );
        assert_eq!(file["dataType"], "RAWDATA");
        if name == "lst-0.dat" {
            assert_eq!(file["checksum"], md5);
        }
    }
    let paged = json(send(app.get(&format!("{path}?page=1&size=2"), &token)).await).await;
    assert_eq!(
        paged["metadata"],
        json!({"size": 2, "totalElements": 3, "totalPages": 2, "number": 1})
    );
    assert_eq!(paged["content"].as_array().expect("content").len(), 1);

    // A dataset task of another order, another user, an unknown order.
    let second = app.order_of(&token, "group:lst").await;
    let second_task = settled(&app, &token, second, "DONE").await["datasetTasks"][0]["id"]
        .as_i64()
        .expect("task id");
    let crossed = send(app.get(&format!("/orders/{id}/dataset/{second_task}/files"), &token)).await;
    assert_eq!(crossed.status(), 404);
    let other = send(app.get(&path, &app.user("v@x.fr"))).await;
    assert_eq!(other.status(), 403);
    assert_eq!(
        send(app.get(&format!("/orders/999999/dataset/{task_id}/files"), &token))
            .await
            .status(),
        404
    );
}

async fn available_files_listings(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let files = add_files(&app, &online_root(app.dir.path()), "av", 12, 10).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "av", "DONE").await;
    let path = format!("/orders/{id}/files/available");
    let page = json(send(app.get(&path, &token)).await).await;
    assert_eq!(
        page["metadata"],
        json!({"size": 10, "totalElements": 12, "totalPages": 2, "number": 0})
    );
    let entries = page["content"].as_array().expect("content");
    assert_eq!(entries.len(), 10);
    let mut previous = 0;
    for entry in entries {
        let file = &entry["content"];
        let file_id = file["id"].as_i64().expect("id");
        assert!(file_id > previous, "sorted by id");
        previous = file_id;
        let url = file["downloadUrl"].as_str().expect("downloadUrl");
        assert!(url.ends_with(&format!("/orders/files/{file_id}")), "{url}");
        assert!(!url.contains("//orders"), "{url}");
        assert!(url.starts_with("http://"), "{url}");
        let name = file["filename"].as_str().expect("filename");
        let index: usize = name
            .trim_start_matches("av-")
            .trim_end_matches(".dat")
            .parse()
            .expect("index");
        assert_eq!(file["filesize"], files[index].bytes.len());
        assert_eq!(file["productId"], format!("av-{index}"));
        assert!(file["checksum"].is_string());
        // The URL really downloads the file (with the owner's bearer token).
        if index == 0 {
            let response = send(
                app.client
                    .get(url)
                    .bearer_auth(&token)
                    .header(RANGE, "bytes=0-3"),
            )
            .await;
            assert_eq!(response.status(), 206);
            assert_eq!(
                &response.bytes().await.expect("body")[..],
                &files[0].bytes[..4]
            );
        }
    }
    let second = json(send(app.get(&format!("{path}?page=1"), &token)).await).await;
    assert_eq!(second["content"].as_array().expect("content").len(), 2);

    // One sub-order's available files.
    let listed = order_files(&app, &token, id).await;
    let suborder = listed[0]["filesTaskId"].as_i64().expect("filesTaskId");
    let in_suborder = listed
        .iter()
        .filter(|f| f["filesTaskId"] == suborder)
        .count();
    let sub_path = format!("/orders/{id}/filesTask/{suborder}/files/available");
    let sub = json(send(app.get(&sub_path, &token)).await).await;
    assert_eq!(sub["metadata"]["size"], 10);
    assert_eq!(sub["metadata"]["totalElements"], in_suborder);
    for entry in sub["content"].as_array().expect("content") {
        let url = entry["content"]["downloadUrl"].as_str().expect("url");
        assert!(url.ends_with(&format!("/orders/files/{}", entry["content"]["id"])));
        assert!(!url.contains("//orders"), "{url}");
    }

    // A downloaded file leaves the listing.
    let first_id = entries[0]["content"]["id"].as_i64().expect("id");
    let full = send(app.get(&format!("/orders/files/{first_id}"), &token)).await;
    assert_eq!(full.status(), 200);
    full.bytes().await.expect("body");
    app.wait_order(&token, id, "one file downloaded", |o| {
        o["availableFilesCount"] == 11
    })
    .await;
    let after = json(send(app.get(&path, &token)).await).await;
    assert_eq!(after["metadata"]["totalElements"], 11);
    assert!(
        after["content"]
            .as_array()
            .expect("content")
            .iter()
            .all(|e| e["content"]["id"] != first_id)
    );

    // Owner rule and unknown order.
    assert_eq!(
        send(app.get(&path, &app.user("v@x.fr"))).await.status(),
        403
    );
    assert_eq!(
        send(app.get(&sub_path, &app.user("v@x.fr"))).await.status(),
        403
    );
    assert_eq!(
        send(app.get("/orders/999999/files/available", &token))
            .await
            .status(),
        404
    );
}
