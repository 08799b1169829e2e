//! The order's metalink (`GET /user/orders/{id}/metalink/download`), its public variant
//! (`GET /user/orders/metalink/download?orderToken=`), and aria2c downloading an order.

use crate::archive::online_root;
use crate::backend_tests;
use crate::downloads::{
    Written, add_files, anonymous_get, archive_app, blocking, digests, file_ids, header,
    import_items, item, metalink_of, order_files, poll, send, settled, sha256_multihash, token_in,
    write,
};
use crate::fixtures::{DS1, selection, standard_catalogue};
use crate::helpers::{TENANT, TestApp, json};
use regards_order::auth::Role;
use reqwest::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use serde_json::Value;
use std::path::{Path, PathBuf};

backend_tests!(
    metalink_lists_every_file_and_validates,
    metalink4_on_request,
    metalink_refusals,
    public_metalink_refusals,
    aria2c_downloads_an_order_from_an_anonymous_metalink,
);

/// Three files with their MD5 (`meta-0..2.dat`) and one with its SHA-256 (`meta-sha.dat`),
/// ordered together (group `meta`) until DONE. Answers the files and the order id.
async fn metalink_order(app: &TestApp, token: &str) -> (Vec<Written>, i64) {
    let root = online_root(app.dir.path());
    let mut files = add_files(app, &root, "meta", 3, 150).await;
    let path = root.join("meta-sha.dat");
    let bytes = crate::downloads::content(77, 321);
    write(&path, &bytes);
    let (_, sha256) = digests(bytes.clone()).await;
    let sha_item = item(
        "meta-sha",
        "meta",
        &path,
        bytes.len(),
        Some(&sha256_multihash(&sha256)),
    );
    import_items(app, vec![sha_item]).await;
    files.push(Written { path, bytes });
    let id = app.order_of(token, "group:meta").await;
    settled(app, token, id, "DONE").await;
    (files, id)
}

/// The `file` elements of a metalink (3 or 4), from Python's ElementTree: name, size, hashes
/// by type, and URLs with their attributes; plus the root's tag.
async fn parse_metalink(document: String) -> Value {
    let script = r#"
import json, sys
import xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
ns = root.tag[1:root.tag.index("}")]
q = lambda name: "{%s}%s" % (ns, name)
files = []
for f in root.iter(q("file")):
    size = f.find(q("size"))
    files.append({
        "name": f.get("name"),
        "size": int(size.text) if size is not None else None,
        "hashes": {h.get("type"): h.text for h in f.iter(q("hash"))},
        "urls": [dict(u.attrib, href=u.text) for u in f.iter(q("url"))],
    })
print(json.dumps({"root": root.tag, "files": files}))
"#;
    let out = blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(document.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("python3 output")
    })
    .await;
    assert!(
        out.status.success(),
        "not well-formed XML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python JSON")
}

/// `xmllint --noout --schema tests/data/metalink-3.0.xsd`; answers xmllint's complaint.
async fn validate_v3(file: PathBuf) -> Result<(), String> {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/metalink-3.0.xsd");
    let out = blocking(move || {
        std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&file)
            .output()
            .expect("xmllint")
    })
    .await;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The file of `files` named `name`.
fn by_name<'a>(files: &'a [Value], name: &str) -> &'a Value {
    files
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no file {name} in {files:?}"))
}

async fn metalink_lists_every_file_and_validates(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let token = app.user("u@x.fr");
    let (files, id) = metalink_order(&app, &token).await;
    // A DOWNLOADED file is still listed.
    let ids = file_ids(&app, &token, id).await;
    let first = send(app.get(&format!("/orders/files/{}", ids["meta-0.dat"]), &token)).await;
    assert_eq!(first.status(), 200);
    first.bytes().await.expect("body");
    app.wait_order(&token, id, "one file downloaded", |o| {
        o["availableFilesCount"] == 3
    })
    .await;

    let response = send(app.get(&format!("/user/orders/{id}/metalink/download"), &token)).await;
    assert_eq!(response.status(), 200);
    let content_type = header(&response, CONTENT_TYPE);
    assert!(
        content_type.starts_with("application/metalink+xml"),
        "{content_type}"
    );
    let disposition = header(&response, CONTENT_DISPOSITION).to_owned();
    assert!(
        disposition.starts_with(&format!("attachment;filename=order_{id}_"))
            && disposition.ends_with(".metalink"),
        "{disposition}"
    );
    let document = response.text().await.expect("metalink");
    let file = app.path("order.metalink");
    std::fs::write(&file, &document).expect("write metalink");
    if let Err(complaint) = validate_v3(file).await {
        panic!("the metalink does not validate: {complaint}\n{document}");
    }

    let parsed = parse_metalink(document).await;
    assert_eq!(parsed["root"], "{http://www.metalinker.org/}metalink");
    let listed = parsed["files"].as_array().expect("files");
    assert_eq!(listed.len(), 4, "one file element per order file");
    let catalogue = order_files(&app, &token, id).await;
    for written in &files {
        let name = written.name();
        let entry = by_name(listed, &name);
        assert_eq!(entry["size"], written.bytes.len(), "{name}");
        let (md5, sha256) = digests(written.bytes.clone()).await;
        let expected = if name == "meta-sha.dat" {
            serde_json::json!({ "sha256": sha256 })
        } else {
            serde_json::json!({ "md5": md5 })
        };
        assert_eq!(entry["hashes"], expected, "{name}");
        let urls = entry["urls"].as_array().expect("urls");
        assert_eq!(urls.len(), 1, "{name}");
        assert_eq!(urls[0]["type"], "http", "{name}");
        let href = urls[0]["href"].as_str().expect("href");
        let file_id = by_name(
            &catalogue
                .iter()
                .map(|f| serde_json::json!({"name": f["filename"], "id": f["id"]}))
                .collect::<Vec<_>>(),
            &name,
        )["id"]
            .clone();
        let prefix = app.url(&format!("/orders/public/files/{file_id}?orderToken="));
        assert!(href.starts_with(&prefix), "{href}");
        assert!(href.ends_with(&format!("&scope={TENANT}")), "{href}");
    }

    // Owner rule.
    let other = send(app.get(
        &format!("/user/orders/{id}/metalink/download"),
        &app.user("v@x.fr"),
    ))
    .await;
    assert_eq!(other.status(), 403);
    let boss = app.token("boss@x.fr", Role::ProjectAdmin);
    assert_eq!(
        send(app.get(&format!("/user/orders/{id}/metalink/download"), &boss))
            .await
            .status(),
        200
    );
}

async fn metalink4_on_request(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let token = app.user("u@x.fr");
    let (files, id) = metalink_order(&app, &token).await;
    let response = send(
        app.get(&format!("/user/orders/{id}/metalink/download"), &token)
            .header(ACCEPT, "application/metalink4+xml"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let content_type = header(&response, CONTENT_TYPE);
    assert!(
        content_type.starts_with("application/metalink4+xml"),
        "{content_type}"
    );
    let document = response.text().await.expect("metalink");
    let parsed = parse_metalink(document).await;
    assert_eq!(parsed["root"], "{urn:ietf:params:xml:ns:metalink}metalink");
    let listed = parsed["files"].as_array().expect("files");
    assert_eq!(listed.len(), 4);
    for written in &files {
        let name = written.name();
        let entry = by_name(listed, &name);
        assert_eq!(entry["size"], written.bytes.len());
        let (md5, sha256) = digests(written.bytes.clone()).await;
        let expected = if name == "meta-sha.dat" {
            serde_json::json!({ "sha-256": sha256 })
        } else {
            serde_json::json!({ "md5": md5 })
        };
        assert_eq!(entry["hashes"], expected, "{name}");
        let href = entry["urls"][0]["href"].as_str().expect("href");
        assert!(href.contains("/orders/public/files/"), "{href}");
    }
    // Without Accept, or with a wildcard: Metalink 3.
    let default = send(
        app.get(&format!("/user/orders/{id}/metalink/download"), &token)
            .header(ACCEPT, "*/*"),
    )
    .await;
    assert!(header(&default, CONTENT_TYPE).starts_with("application/metalink+xml"));
}

async fn metalink_refusals(app: TestApp) {
    // The standard catalogue's files are not on disk: the order ends FAILED.
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    app.select(&token, &selection(Some(DS1), None)).await;
    let created = json(app.create_order(&token, Some("failed")).await).await;
    let id = created["content"]["id"].as_i64().expect("id");
    app.wait_status(&token, id, "FAILED").await;
    let path = format!("/user/orders/{id}/metalink/download");
    let failed = send(app.get(&path, &token)).await;
    assert_eq!(failed.status(), 404, "FAILED order");
    assert!(failed.bytes().await.expect("body").is_empty());
    let other = send(app.get(&path, &app.user("v@x.fr"))).await;
    assert_eq!(other.status(), 403);
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{id}"), &token)
            .await
            .0,
        200
    );
    let deleted = send(app.get(&path, &token)).await;
    assert_eq!(deleted.status(), 404, "DELETED order");
    assert!(deleted.bytes().await.expect("body").is_empty());
    assert_eq!(
        send(app.get("/user/orders/987654/metalink/download", &token))
            .await
            .status(),
        404
    );
    let elsewhere = app.token_for("project2", "u@x.fr", Role::RegisteredUser);
    assert_eq!(send(app.get(&path, &elsewhere)).await.status(), 404);
}

async fn public_metalink_refusals(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let token = app.user("u@x.fr");
    let (_, id) = metalink_order(&app, &token).await;
    let order_token = token_in(&metalink_of(&app, &token, id).await);
    let public = |t: &str| format!("/user/orders/metalink/download?orderToken={t}&scope={TENANT}");

    let missing = send(anonymous_get(
        &app,
        &format!("/user/orders/metalink/download?scope={TENANT}"),
    ))
    .await;
    assert_eq!(missing.status(), 400, "no orderToken");
    let bad = send(anonymous_get(&app, &public("not.a.token"))).await;
    assert_eq!(bad.status(), 401, "malformed token");
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
    let bad = send(anonymous_get(&app, &public(&tampered))).await;
    assert_eq!(bad.status(), 401, "tampered signature");
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
    assert_eq!(
        send(anonymous_get(&app, &public(&expired))).await.status(),
        401,
        "expired token"
    );
    let ok = send(anonymous_get(&app, &public(&order_token))).await;
    assert_eq!(ok.status(), 200);
    assert!(header(&ok, CONTENT_TYPE).starts_with("application/metalink+xml"));
}

async fn aria2c_downloads_an_order_from_an_anonymous_metalink(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let token = app.user("u@x.fr");
    let (files, id) = metalink_order(&app, &token).await;
    let order_token = token_in(&metalink_of(&app, &token, id).await);
    let response = send(anonymous_get(
        &app,
        &format!("/user/orders/metalink/download?orderToken={order_token}&scope={TENANT}"),
    ))
    .await;
    assert_eq!(response.status(), 200);
    let document = response.text().await.expect("metalink");
    let metalink = app.path("anonymous.metalink");
    std::fs::write(&metalink, &document).expect("write metalink");
    let out_dir = app.path("aria2");
    std::fs::create_dir_all(&out_dir).expect("folder");
    let dir = out_dir.clone();
    let run = blocking(move || {
        std::process::Command::new("aria2c")
            .arg("--no-conf")
            .arg("--dir")
            .arg(&dir)
            .arg("--metalink-file")
            .arg(&metalink)
            .args([
                "--check-integrity=true",
                "--allow-overwrite=true",
                "--quiet",
            ])
            .output()
            .expect("aria2c")
    })
    .await;
    assert!(
        run.status.success(),
        "aria2c failed ({:?}): {}{}\n{document}",
        run.status.code(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    for written in &files {
        let got = std::fs::read(out_dir.join(written.name())).expect("downloaded file");
        assert_eq!(got, written.bytes, "{}", written.name());
    }
    let order = app
        .wait_order(&token, id, "every file downloaded", |o| {
            o["availableFilesCount"] == 0
        })
        .await;
    assert_eq!(order["waitingForUser"], false);
    let states = poll("DOWNLOADED files", || async {
        let states: Vec<Value> = order_files(&app, &token, id)
            .await
            .into_iter()
            .map(|f| f["state"].clone())
            .collect();
        states.iter().all(|s| s == "DOWNLOADED").then_some(states)
    })
    .await;
    assert_eq!(states.len(), 4);
}
