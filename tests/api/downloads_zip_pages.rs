//! The zip of an order of more files than one store page (2 000 rows) and one batch of
//! outcomes (5 000 files): planned page by page, it reads back entry by entry, its names are
//! unique across pages, its duplicates told across pages, its ranges and length exact.

use crate::archive::online_root;
use crate::backend_tests;
use crate::downloads::{content, digests, header, import_items, item, md5_multihash, send, write};
use crate::downloads_zip::{read_zip, unhex, zip_app};
use crate::helpers::{TestApp, json};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

backend_tests!(zip_of_several_store_pages);

const COUNT: usize = 5_200;
/// Three different files called `same.dat`, one per page.
const SAME: [usize; 3] = [10, 2_100, 5_100];
/// Two copies of one file called `shared.dat` (same checksum), on different pages.
const SHARED: [usize; 2] = [20, 4_100];
/// `Case.DAT` and `case.dat`, on different pages.
const CASES: [usize; 2] = [30, 2_500];
/// Removed from the disk before the zip: NOTICE.txt, in the second batch of outcomes.
const GONE: usize = 5_150;

/// Where file `i` is, what it holds and whether its item gives its MD5.
fn product(root: &Path, i: usize) -> (PathBuf, Vec<u8>, bool) {
    match i {
        _ if SAME.contains(&i) => (root.join(format!("d{i}/same.dat")), content(i, 40), true),
        _ if SHARED.contains(&i) => (
            root.join(format!("d{i}/shared.dat")),
            content(7_777, 64),
            true,
        ),
        30 => (root.join("Case.DAT"), content(i, 33), false),
        2_500 => (root.join("sub/case.dat"), content(i, 35), false),
        GONE => (root.join("gone.dat"), content(i, 12), false),
        _ => (
            root.join(format!("p{i}.dat")),
            content(i, 10 + i % 90),
            false,
        ),
    }
}

/// Writes and imports the files; answers each file's content by its path.
async fn import_products(app: &TestApp, root: &Path) -> HashMap<PathBuf, Vec<u8>> {
    let (mut items, mut written) = (Vec::with_capacity(COUNT), HashMap::new());
    for i in 0..COUNT {
        let (path, bytes, with_md5) = product(root, i);
        write(&path, &bytes);
        let md5 = match with_md5 {
            true => Some(md5_multihash(&digests(bytes.clone()).await.0)),
            false => None,
        };
        let key = format!("pg{i}");
        items.push(item(&key, "pages", &path, bytes.len(), md5.as_deref()));
        written.insert(path, bytes);
    }
    import_items(app, items).await;
    written
}

/// Polls `check` every 100 ms for at most 300 s (creating thousands of files takes longer
/// than the usual 10 s).
async fn eventually<T, Fut: Future<Output = Option<T>>>(what: &str, check: impl Fn() -> Fut) -> T {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "never got {what}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Number of the order's files listed as AVAILABLE.
async fn available_rows(app: &TestApp, token: &str, id: i64) -> Value {
    let listing = format!("/orders/{id}/files/available?size=1");
    json(send(app.get(&listing, token)).await).await["metadata"]["totalElements"].clone()
}

/// The state of every file of the order's one dataset task, page by page.
async fn file_states(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let order = app.order(token, id).await;
    let task = order["datasetTasks"][0]["id"].as_i64().expect("task id");
    let (mut states, mut page) = (Vec::new(), 0);
    loop {
        let path = format!("/orders/{id}/dataset/{task}/files?size=2000&page={page}");
        let listed = json(send(app.get(&path, token)).await).await;
        let content = listed["content"].as_array().expect("content").clone();
        if content.is_empty() {
            return states;
        }
        let state = |f: &Value| f["content"]["state"].as_str().expect("state").to_owned();
        states.extend(content.iter().map(state));
        page += 1;
    }
}

/// `(start, bytes)` of a range in the middle of the order's zip, and the zip's length.
async fn middle_range(app: &TestApp, token: &str, path: &str) -> (usize, Vec<u8>, usize) {
    let probe = send(app.get(path, token).header(RANGE, "bytes=0-0")).await;
    assert_eq!(probe.status(), 206);
    let total: usize = header(&probe, CONTENT_RANGE)
        .rsplit('/')
        .next()
        .and_then(|t| t.parse().ok())
        .expect("total in Content-Range");
    let (first, last) = (total / 2 - 5_000, total / 2 + 4_999);
    let part = send(
        app.get(path, token)
            .header(RANGE, format!("bytes={first}-{last}")),
    )
    .await;
    assert_eq!(part.status(), 206);
    let expected = format!("bytes {first}-{last}/{total}");
    assert_eq!(header(&part, CONTENT_RANGE), expected);
    let bytes = part.bytes().await.expect("range").to_vec();
    assert_eq!(bytes.len(), 10_000);
    (first, bytes, total)
}

async fn zip_of_several_store_pages(app: TestApp) {
    // Sub-orders of 2 000 files: the two copies of shared.dat, in different sub-orders, are
    // both ordered (a sub-order orders one checksum once).
    let app = zip_app(app, 2_000).await;
    let root = online_root(app.dir.path()).join("pages");
    let written = import_products(&app, &root).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "group:pages").await;
    let order = eventually("the order DONE", || async {
        let order = app.order(&token, id).await;
        (order["status"] == "DONE").then_some(order)
    })
    .await;
    assert_eq!(order["availableFilesCount"], COUNT, "{order}");
    eventually("every file listed", || async {
        (available_rows(&app, &token, id).await == COUNT).then_some(())
    })
    .await;
    std::fs::remove_file(product(&root, GONE).0).expect("remove");
    let path = format!("/user/orders/{id}/download");

    let (first, range, total) = middle_range(&app, &token, &path).await;
    let response = send(app.get(&path, &token)).await;
    assert_eq!(response.status(), 200);
    let length: usize = header(&response, CONTENT_LENGTH).parse().expect("length");
    let body = response.bytes().await.expect("zip");
    assert_eq!(
        (body.len(), length),
        (total, total),
        "Content-Length is exact"
    );
    assert!(
        body[first..first + range.len()] == range[..],
        "the range is the same slice"
    );

    let zip = app.path("pages.zip");
    std::fs::write(&zip, &body).expect("write zip");
    let read = read_zip(zip, true).await;
    assert_eq!(read["bad"], Value::Null, "CRC check");
    assert_eq!(read["unique"], true);
    // Less the shared file's second copy and the missing file, plus NOTICE.txt.
    assert_eq!(read["count"], COUNT - 1);
    let entries: HashMap<String, Vec<u8>> = read["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_owned(),
                unhex(e["hex"].as_str().expect("hex")),
            )
        })
        .collect();
    check_entries(&entries, &written, &root);

    let states = eventually("every file marked", || async {
        let states = file_states(&app, &token, id).await;
        (!states.iter().any(|s| s == "AVAILABLE")).then_some(states)
    })
    .await;
    let count = |state: &str| states.iter().filter(|s| *s == state).count();
    assert_eq!(states.len(), COUNT);
    assert_eq!(
        (count("DOWNLOADED"), count("DOWNLOAD_ERROR")),
        (COUNT - 1, 1)
    );
    assert_eq!(available_rows(&app, &token, id).await, 0);
}

/// The entries hold every written file once under a case-insensitively unique name.
fn check_entries(
    entries: &HashMap<String, Vec<u8>>,
    written: &HashMap<PathBuf, Vec<u8>>,
    root: &Path,
) {
    let folded: HashSet<String> = entries.keys().map(|n| n.to_lowercase()).collect();
    assert_eq!(folded.len(), entries.len(), "names unique ignoring case");
    for i in (0..COUNT)
        .filter(|i| !SAME.contains(i) && !SHARED.contains(i) && !CASES.contains(i) && *i != GONE)
    {
        let (path, bytes, _) = product(root, i);
        assert_eq!(
            entries.get(&format!("p{i}.dat")),
            Some(&bytes),
            "{}",
            path.display()
        );
    }
    let contents = |names: &[&str]| -> HashSet<Vec<u8>> {
        names
            .iter()
            .map(|n| entries.get(*n).unwrap_or_else(|| panic!("no {n}")).clone())
            .collect()
    };
    let expected = |indices: &[usize]| -> HashSet<Vec<u8>> {
        indices
            .iter()
            .map(|&i| written[&product(root, i).0].clone())
            .collect()
    };
    assert_eq!(
        contents(&["same.dat", "same (1).dat", "same (2).dat"]),
        expected(&SAME)
    );
    assert_eq!(contents(&["shared.dat"]), expected(&SHARED));
    let cases: Vec<&String> = entries
        .keys()
        .filter(|n| n.to_lowercase().starts_with("case"))
        .collect();
    let folded_cases: HashSet<String> = cases.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(
        folded_cases,
        HashSet::from(["case.dat".to_owned(), "case (1).dat".to_owned()])
    );
    let case_contents: HashSet<Vec<u8>> = cases.iter().map(|n| entries[*n].clone()).collect();
    assert_eq!(case_contents, expected(&CASES));
    let notice = String::from_utf8(entries["NOTICE.txt"].clone()).expect("utf-8 notice");
    assert!(
        notice.starts_with("Failed to download file (gone.dat): ") && !notice.contains('\n'),
        "{notice:?}"
    );
}
