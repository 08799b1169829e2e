//! The order's zip (`GET /user/orders/{id}/download`), read back with Python's zipfile.

use crate::archive::{online_root, with_storages};
use crate::backend_tests;
use crate::downloads::{
    add_files, available_stays, blocking, digests, file_ids, file_states, header, import_items,
    item, md5_multihash, send, settled, write,
};
use crate::fixtures::{DS1, selection, standard_catalogue};
use crate::helpers::{TestApp, json, spawn_app_with};
use regards_order::auth::Role;
use reqwest::header::{ACCEPT_RANGES, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

backend_tests!(
    zip_holds_every_available_file_once,
    zip_refusals_and_nothing_available,
    interrupted_downloads_leave_files_available,
    zip_of_more_than_65535_entries,
);

/// An app with the archive storages where every object is its own sub-order (so that the same
/// file reached through two objects is ordered twice) and no sub-order waits for a slot.
pub(crate) async fn zip_app(app: TestApp, max_files_per_suborder: u64) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| {
        with_storages(s, dir, 0, 4);
        s.orders.max_files_per_suborder = max_files_per_suborder;
        s.orders.max_active_suborders_per_user = 1000;
    })
    .await
}

/// Reads `zip` with Python's zipfile: entry count, first entry failing its CRC check
/// (`testzip`), unique and flat names, and (when `full`) every entry with its bytes in hex.
pub(crate) async fn read_zip(zip: PathBuf, full: bool) -> Value {
    let script = r#"
import json, sys, zipfile
path, full = sys.argv[1], sys.argv[2] == "1"
with zipfile.ZipFile(path) as z:
    infos = z.infolist()
    names = [i.filename for i in infos]
    out = {
        "count": len(infos),
        "bad": z.testzip(),
        "unique": len(set(names)) == len(names),
        "flat": all("/" not in n and "\\" not in n for n in names),
        "stored": all(i.compress_type == zipfile.ZIP_STORED for i in infos),
        "entries": [{"name": i.filename, "size": i.file_size, "hex": z.read(i).hex()}
                    for i in infos] if full else [],
    }
print(json.dumps(out))
"#;
    let out = blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&zip)
            .arg(if full { "1" } else { "0" })
            .output()
            .expect("python3")
    })
    .await;
    assert!(
        out.status.success(),
        "python zipfile refused the archive: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python JSON")
}

pub(crate) fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Writes a file at `path` with `bytes`, and its catalogue item (MD5 checksum) in `group`.
async fn product(key: &str, group: &str, path: &Path, bytes: &[u8]) -> Value {
    write(path, bytes);
    let (md5, _) = digests(bytes.to_vec()).await;
    item(key, group, path, bytes.len(), Some(&md5_multihash(&md5)))
}

async fn zip_holds_every_available_file_once(app: TestApp) {
    let app = zip_app(app, 1).await;
    let root = online_root(app.dir.path());
    let plain = add_files(&app, &root, "zip", 3, 300).await;
    let homonym_a = crate::downloads::content(101, 222);
    let homonym_b = crate::downloads::content(202, 333);
    let shared = crate::downloads::content(303, 444);
    let gone = crate::downloads::content(404, 55);
    let items = vec![
        product("zip-a", "zip", &root.join("a/same.dat"), &homonym_a).await,
        product("zip-b", "zip", &root.join("b/same.dat"), &homonym_b).await,
        product("zip-s1", "zip", &root.join("shared.dat"), &shared).await,
        product("zip-s2", "zip", &root.join("shared.dat"), &shared).await,
        product("zip-gone", "zip", &root.join("gone.dat"), &gone).await,
    ];
    import_items(&app, items).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "group:zip").await;
    let order = settled(&app, &token, id, "DONE").await;
    assert_eq!(order["availableFilesCount"], 8, "{order}");
    // AVAILABLE, then gone from the disk before the zip.
    std::fs::remove_file(root.join("gone.dat")).expect("remove");
    let path = format!("/user/orders/{id}/download");

    // Ranges that stop before the end change nothing.
    let mut ranges = Vec::new();
    for (first, last) in [(0_usize, 49_usize), (100, 1099)] {
        let response = send(
            app.get(&path, &token)
                .header(RANGE, format!("bytes={first}-{last}")),
        )
        .await;
        assert_eq!(response.status(), 206);
        let content_range = header(&response, CONTENT_RANGE).to_owned();
        assert!(
            content_range.starts_with(&format!("bytes {first}-{last}/")),
            "{content_range}"
        );
        let body = response.bytes().await.expect("body");
        assert_eq!(body.len(), last - first + 1);
        ranges.push((first, content_range, body));
    }
    available_stays(&app, &token, id, 8, 100).await;

    let response = send(app.get(&path, &token)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, reqwest::header::CONTENT_TYPE),
        "application/octet-stream"
    );
    let disposition = header(&response, CONTENT_DISPOSITION).to_owned();
    assert!(
        disposition.starts_with(&format!("attachment;filename=order_{id}_"))
            && disposition.ends_with(".zip"),
        "{disposition}"
    );
    assert_eq!(header(&response, ACCEPT_RANGES), "bytes");
    let length: usize = header(&response, CONTENT_LENGTH).parse().expect("length");
    let body = response.bytes().await.expect("zip");
    assert_eq!(body.len(), length, "Content-Length is exact");
    for (first, content_range, slice) in &ranges {
        assert_eq!(
            content_range,
            &format!("bytes {first}-{}/{length}", first + slice.len() - 1)
        );
        assert_eq!(
            &body[*first..first + slice.len()],
            &slice[..],
            "range from {first}"
        );
    }

    let file = app.path("order.zip");
    std::fs::write(&file, &body).expect("write zip");
    let read = read_zip(file.clone(), true).await;
    assert_eq!(read["bad"], Value::Null, "CRC check");
    assert_eq!(read["unique"], true);
    assert_eq!(read["flat"], true);
    assert_eq!(read["stored"], true);
    let entries: Vec<(String, Vec<u8>)> = read["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let bytes = unhex(e["hex"].as_str().expect("hex"));
            assert_eq!(e["size"], bytes.len());
            (e["name"].as_str().expect("name").to_owned(), bytes)
        })
        .collect();
    let mut names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        vec![
            "NOTICE.txt",
            "same (1).dat",
            "same.dat",
            "shared.dat",
            "zip-0.dat",
            "zip-1.dat",
            "zip-2.dat"
        ]
    );
    let entry = |name: &str| -> &Vec<u8> {
        &entries
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no entry {name}"))
            .1
    };
    for written in &plain {
        assert_eq!(entry(&written.name()), &written.bytes, "{}", written.name());
    }
    assert_eq!(entry("shared.dat"), &shared);
    let homonyms = [entry("same.dat").clone(), entry("same (1).dat").clone()];
    assert!(
        homonyms == [homonym_a.clone(), homonym_b.clone()]
            || homonyms == [homonym_b.clone(), homonym_a.clone()],
        "the two same.dat files"
    );
    let notice = String::from_utf8(entry("NOTICE.txt").clone()).expect("utf-8 notice");
    let line = regex::Regex::new(r"^Failed to download file \(gone\.dat\): .+\.$").expect("regex");
    assert!(line.is_match(&notice), "NOTICE.txt: {notice:?}");
    let unzip = blocking(move || {
        std::process::Command::new("unzip")
            .args(["-tq"])
            .arg(&file)
            .output()
            .expect("unzip")
    })
    .await;
    assert!(
        unzip.status.success(),
        "unzip -t: {}",
        String::from_utf8_lossy(&unzip.stdout)
    );

    // Written and duplicate files are DOWNLOADED, the missing one DOWNLOAD_ERROR.
    let after = app
        .wait_order(&token, id, "the zip recorded", |o| {
            o["availableFilesCount"] == 0
        })
        .await;
    assert_eq!(after["waitingForUser"], false);
    assert_eq!(after["status"], "DONE_WITH_WARNING");
    let states = crate::downloads::poll("the files' states", || async {
        let files = crate::downloads::order_files(&app, &token, id).await;
        let done = files.iter().all(|f| f["state"] != "AVAILABLE");
        done.then_some(files)
    })
    .await;
    assert_eq!(states.len(), 8);
    for f in &states {
        let expected = if f["filename"] == "gone.dat" {
            "DOWNLOAD_ERROR"
        } else {
            "DOWNLOADED"
        };
        assert_eq!(f["state"], expected, "{f}");
    }
    let shared_rows = states
        .iter()
        .filter(|f| f["filename"] == "shared.dat")
        .count();
    assert_eq!(
        shared_rows, 2,
        "the shared file was ordered through both objects"
    );
    let again = send(app.get(&path, &token)).await;
    assert_eq!(again.status(), 204, "nothing AVAILABLE any more");
    assert!(again.bytes().await.expect("body").is_empty());
}

async fn zip_refusals_and_nothing_available(app: TestApp) {
    // The standard catalogue's files are not on disk: its orders end FAILED.
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    app.select(&token, &selection(Some(DS1), None)).await;
    let created = json(app.create_order(&token, Some("failed")).await).await;
    let id = created["content"]["id"].as_i64().expect("id");
    app.wait_status(&token, id, "FAILED").await;
    let path = format!("/user/orders/{id}/download");
    let nothing = send(app.get(&path, &token)).await;
    assert_eq!(nothing.status(), 204);
    assert!(nothing.bytes().await.expect("body").is_empty());
    let other = send(app.get(&path, &app.user("v@x.fr"))).await;
    assert_eq!(other.status(), 403);
    assert_eq!(
        send(app.get(&path, &app.admin())).await.status(),
        403,
        "ADMIN is not the owner"
    );
    let boss = app.token("boss@x.fr", Role::InstanceAdmin);
    assert_eq!(send(app.get(&path, &boss)).await.status(), 204);
    assert_eq!(
        send(app.get("/user/orders/987654/download", &token))
            .await
            .status(),
        404
    );
    let elsewhere = app.token_for("project2", "u@x.fr", Role::RegisteredUser);
    assert_eq!(send(app.get(&path, &elsewhere)).await.status(), 404);
}

async fn interrupted_downloads_leave_files_available(app: TestApp) {
    let app = zip_app(app, 5000).await;
    // Large enough for the socket buffers not to swallow the whole body.
    let files = add_files(&app, &online_root(app.dir.path()), "cut", 2, 16 << 20).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "group:cut").await;
    settled(&app, &token, id, "DONE").await;
    let zip_path = format!("/user/orders/{id}/download");

    let mut zip = send(app.get(&zip_path, &token)).await;
    assert_eq!(zip.status(), 200);
    let chunk = zip.chunk().await.expect("chunk").expect("a first chunk");
    assert!(!chunk.is_empty());
    drop(zip);
    available_stays(&app, &token, id, 2, 500).await;

    let file_id = file_ids(&app, &token, id).await["cut-0.dat"];
    let mut single = send(app.get(&format!("/orders/files/{file_id}"), &token)).await;
    assert_eq!(single.status(), 200);
    let chunk = single.chunk().await.expect("chunk").expect("a first chunk");
    assert_eq!(&chunk[..], &files[0].bytes[..chunk.len()]);
    drop(single);
    available_stays(&app, &token, id, 2, 500).await;
    let states = file_states(&app, &token, id).await;
    assert!(states.values().all(|s| s == "AVAILABLE"), "{states:?}");

    // A complete zip then marks them.
    let full = send(app.get(&zip_path, &token)).await;
    assert_eq!(full.status(), 200);
    let body = full.bytes().await.expect("zip");
    assert!(body.len() > 32 << 20);
    app.wait_order(&token, id, "the zip recorded", |o| {
        o["availableFilesCount"] == 0
    })
    .await;
}

/// 65 537 entries: past the 16-bit entry count of the classic end record (zip64 needed).
async fn zip_of_more_than_65535_entries(app: TestApp) {
    const COUNT: usize = 65_537;
    let app = zip_app(app, 100_000).await;
    let root = online_root(app.dir.path()).join("many");
    std::fs::create_dir_all(&root).expect("folder");
    let mut items = Vec::with_capacity(COUNT);
    for i in 0..COUNT {
        let path = root.join(format!("m{i}.dat"));
        std::fs::write(&path, format!("{:04x}", i % 0x10000)).expect("write");
        items.push(item(&format!("m{i}"), "many", &path, 4, None));
    }
    let started = Instant::now();
    import_items(&app, items).await;
    eprintln!("import: {:?}", started.elapsed());
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "group:many").await;
    // Creation and retrieval of 65 537 files take longer than `wait_order`'s 10 s.
    let deadline = started + Duration::from_secs(300);
    let order = loop {
        let order = app.order(&token, id).await;
        if order["status"] == "DONE" {
            break order;
        }
        assert!(Instant::now() < deadline, "order never DONE: {order}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!("order DONE: {:?}", started.elapsed());
    assert_eq!(order["availableFilesCount"], COUNT);
    // The files' rows catch up with the order (see downloads::settled).
    let listing = format!("/orders/{id}/files/available?size=1");
    loop {
        let page = json(send(app.get(&listing, &token)).await).await;
        if page["metadata"]["totalElements"] == COUNT {
            break;
        }
        assert!(Instant::now() < deadline, "files never listed: {page}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("files listed: {:?}", started.elapsed());
    let response = send(app.get(&format!("/user/orders/{id}/download"), &token)).await;
    assert_eq!(response.status(), 200);
    let length: usize = header(&response, CONTENT_LENGTH).parse().expect("length");
    let body = response.bytes().await.expect("zip");
    assert_eq!(body.len(), length);
    let file = app.path("many.zip");
    std::fs::write(&file, &body).expect("write zip");
    eprintln!("zip downloaded: {:?}", started.elapsed());
    let read = read_zip(file, false).await;
    eprintln!("zip read: {:?}", started.elapsed());
    assert_eq!(read["count"], COUNT);
    assert_eq!(read["bad"], Value::Null, "CRC check");
    assert_eq!(read["unique"], true);
    // Every file is DOWNLOADED, in the order and in its rows.
    loop {
        let order = app.order(&token, id).await;
        let page = json(send(app.get(&listing, &token)).await).await;
        if order["availableFilesCount"] == 0 && page["metadata"]["totalElements"] == 0 {
            assert_eq!(order["waitingForUser"], false);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "downloads never recorded: {order} {page}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("downloads recorded: {:?}", started.elapsed());
}
